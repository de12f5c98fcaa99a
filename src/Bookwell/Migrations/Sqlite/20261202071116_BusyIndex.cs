using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BusyIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Stamp",
                table: "Allocations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "BusyVersions",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BusyVersions", x => x.TenantId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Allocations_TenantId_Stamp",
                table: "Allocations",
                columns: new[] { "TenantId", "Stamp" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BusyVersions");

            migrationBuilder.DropIndex(
                name: "IX_Allocations_TenantId_Stamp",
                table: "Allocations");

            migrationBuilder.DropColumn(
                name: "Stamp",
                table: "Allocations");
        }
    }
}
