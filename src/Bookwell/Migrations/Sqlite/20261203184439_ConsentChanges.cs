using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    What = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    From = table.Column<bool>(type: "INTEGER", nullable: false),
                    To = table.Column<bool>(type: "INTEGER", nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    By = table.Column<string>(type: "TEXT", maxLength: 60, nullable: true)
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
                CREATE TRIGGER consent_changes_append_only_update BEFORE UPDATE ON "ConsentChanges"
                BEGIN SELECT RAISE(ABORT, 'consent history is append-only'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER consent_changes_append_only_delete BEFORE DELETE ON "ConsentChanges"
                BEGIN SELECT RAISE(ABORT, 'consent history is append-only'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS consent_changes_append_only_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS consent_changes_append_only_delete;");
            migrationBuilder.DropTable(
                name: "ConsentChanges");
        }
    }
}
