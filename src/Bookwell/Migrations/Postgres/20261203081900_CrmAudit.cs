using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NodaTime;

#nullable disable

namespace Bookwell.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CrmAudit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CrmAudit",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Actor = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    Action = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                    OtherCustomerId = table.Column<Guid>(type: "uuid", nullable: true),
                    At = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CrmAudit", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CrmAudit_TenantId_At",
                table: "CrmAudit",
                columns: new[] { "TenantId", "At" });
            migrationBuilder.Sql("""
                CREATE FUNCTION crm_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'crm audit log is append-only'; END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER crm_audit_append_only BEFORE UPDATE OR DELETE ON "CrmAudit"
                FOR EACH ROW EXECUTE FUNCTION crm_audit_append_only();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS crm_audit_append_only ON \"CrmAudit\";");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS crm_audit_append_only();");
            migrationBuilder.DropTable(
                name: "CrmAudit");
        }
    }
}
