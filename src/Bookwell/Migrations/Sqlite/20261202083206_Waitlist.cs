using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Waitlist : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "WaitlistEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Key = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PageSlug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ServiceKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    StaffKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Date = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    FromMinute = table.Column<int>(type: "INTEGER", nullable: true),
                    ToMinute = table.Column<int>(type: "INTEGER", nullable: true),
                    CustomerName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CustomerEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    CustomerPhone = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    Language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TokenSealed = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OfferBookingId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OfferStart = table.Column<long>(type: "INTEGER", nullable: true),
                    OfferExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WaitlistEntries", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WaitlistEntries_Key",
                table: "WaitlistEntries",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WaitlistEntries_OfferBookingId",
                table: "WaitlistEntries",
                column: "OfferBookingId");

            migrationBuilder.CreateIndex(
                name: "IX_WaitlistEntries_TenantId_PageSlug_Date_Status",
                table: "WaitlistEntries",
                columns: new[] { "TenantId", "PageSlug", "Date", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_WaitlistEntries_TokenHash",
                table: "WaitlistEntries",
                column: "TokenHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WaitlistEntries");
        }
    }
}
