using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionFourteen : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "LogoSha256",
                table: "Invoices",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LogoUrl",
                table: "Invoices",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LogoSha256",
                table: "CreditNotes",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LogoUrl",
                table: "CreditNotes",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "CancelOnDelete",
                table: "BusySources",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "LogoBlobs",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Bytes = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LogoBlobs", x => new { x.TenantId, x.Sha256 });
                });

            migrationBuilder.CreateTable(
                name: "LogoSources",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UrlKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CheckedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LogoSources", x => new { x.TenantId, x.UrlKey });
                });

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_CustomerId_StartsAt",
                table: "Bookings",
                columns: new[] { "TenantId", "CustomerId", "StartsAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LogoBlobs");

            migrationBuilder.DropTable(
                name: "LogoSources");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_TenantId_CustomerId_StartsAt",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "LogoSha256",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "LogoUrl",
                table: "Invoices");

            migrationBuilder.DropColumn(
                name: "LogoSha256",
                table: "CreditNotes");

            migrationBuilder.DropColumn(
                name: "LogoUrl",
                table: "CreditNotes");

            migrationBuilder.DropColumn(
                name: "CancelOnDelete",
                table: "BusySources");
        }
    }
}
