using Microsoft.EntityFrameworkCore.Migrations;
using NodaTime;

#nullable disable

namespace Bookwell.Migrations.Postgres
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
                type: "character varying(254)",
                maxLength: 254,
                nullable: true);

            migrationBuilder.AddColumn<Instant>(
                name: "LinksRevokedAt",
                table: "OrganizationMembers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "VehicleTravelAfterMinutes",
                table: "Bookings",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "VehicleTravelBeforeMinutes",
                table: "Bookings",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "WorkOrderReference",
                table: "Bookings",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WorkOrderUrl",
                table: "Bookings",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            // Live entries made before this column existed get their key too, so the person who is already waiting cannot
            // join again. Where one person already waits twice for the same day, only the oldest entry gets it (the unique
            // index below would refuse the rest); the others stay live without a key, as they were.
            migrationBuilder.Sql("""
                UPDATE "WaitlistEntries" SET "EmailKey" = lower(trim("CustomerEmail"))
                WHERE "Id" IN (
                    SELECT "Id" FROM (
                        SELECT "Id", ROW_NUMBER() OVER (
                            PARTITION BY "TenantId", "PageSlug", "ServiceKey", "Date", lower(trim("CustomerEmail")), COALESCE("StaffKey", '')
                            ORDER BY "Id") AS "Rank"
                        FROM "WaitlistEntries" WHERE "Status" IN ('waiting', 'offered')) AS "Ranked"
                    WHERE "Rank" = 1);
                """);

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
                name: "LinksRevokedAt",
                table: "OrganizationMembers");

            migrationBuilder.DropColumn(
                name: "VehicleTravelAfterMinutes",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "VehicleTravelBeforeMinutes",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "WorkOrderReference",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "WorkOrderUrl",
                table: "Bookings");
        }
    }
}
