using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NodaTime;

#nullable disable

namespace Bookwell.Migrations.Postgres
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
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LogoUrl",
                table: "Invoices",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LogoSha256",
                table: "CreditNotes",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LogoUrl",
                table: "CreditNotes",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "CancelOnDelete",
                table: "BusySources",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "LogoBlobs",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Bytes = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LogoBlobs", x => new { x.TenantId, x.Sha256 });
                });

            migrationBuilder.CreateTable(
                name: "LogoSources",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    UrlKey = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    CheckedAt = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
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
