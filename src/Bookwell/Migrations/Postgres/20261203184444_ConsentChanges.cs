using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NodaTime;

#nullable disable

namespace Bookwell.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ConsentChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ConsentChanges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                    At = table.Column<Instant>(type: "timestamp with time zone", nullable: false),
                    What = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    From = table.Column<bool>(type: "boolean", nullable: false),
                    To = table.Column<bool>(type: "boolean", nullable: false),
                    Source = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    By = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConsentChanges", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ConsentChanges_TenantId_CustomerId_At",
                table: "ConsentChanges",
                columns: new[] { "TenantId", "CustomerId", "At" });
            // Consent history is append-only: the database refuses to change or remove a row.
            migrationBuilder.Sql("""
                CREATE FUNCTION consent_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'consent history is append-only'; END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER consent_changes_append_only BEFORE UPDATE OR DELETE ON "ConsentChanges"
                FOR EACH ROW EXECUTE FUNCTION consent_changes_append_only();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS consent_changes_append_only ON \"ConsentChanges\";");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS consent_changes_append_only();");
            migrationBuilder.DropTable(
                name: "ConsentChanges");
        }
    }
}
