using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionSixteen : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EmailKey",
                table: "WaitlistEntries",
                type: "TEXT",
                maxLength: 254,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "VehicleTravelAfterMinutes",
                table: "Bookings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "VehicleTravelBeforeMinutes",
                table: "Bookings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_WaitlistEntries_LivePerPerson_Anyone",
                table: "WaitlistEntries",
                columns: new[] { "TenantId", "PageSlug", "ServiceKey", "Date", "EmailKey" },
                unique: true,
                filter: "\"EmailKey\" IS NOT NULL AND \"StaffKey\" IS NULL AND \"Status\" IN ('waiting', 'offered')");

            migrationBuilder.CreateIndex(
                name: "IX_WaitlistEntries_LivePerPerson_Staff",
                table: "WaitlistEntries",
                columns: new[] { "TenantId", "PageSlug", "ServiceKey", "Date", "EmailKey", "StaffKey" },
                unique: true,
                filter: "\"EmailKey\" IS NOT NULL AND \"StaffKey\" IS NOT NULL AND \"Status\" IN ('waiting', 'offered')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WaitlistEntries_LivePerPerson_Anyone",
                table: "WaitlistEntries");

            migrationBuilder.DropIndex(
                name: "IX_WaitlistEntries_LivePerPerson_Staff",
                table: "WaitlistEntries");

            migrationBuilder.DropColumn(
                name: "EmailKey",
                table: "WaitlistEntries");

            migrationBuilder.DropColumn(
                name: "VehicleTravelAfterMinutes",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "VehicleTravelBeforeMinutes",
                table: "Bookings");
        }
    }
}
