using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    OtherCustomerId = table.Column<Guid>(type: "TEXT", nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
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
                CREATE TRIGGER crm_audit_append_only_update BEFORE UPDATE ON "CrmAudit"
                BEGIN SELECT RAISE(ABORT, 'crm audit log is append-only'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER crm_audit_append_only_delete BEFORE DELETE ON "CrmAudit"
                BEGIN SELECT RAISE(ABORT, 'crm audit log is append-only'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS crm_audit_append_only_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS crm_audit_append_only_delete;");
            migrationBuilder.DropTable(
                name: "CrmAudit");
        }
    }
}
