using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PartialBookingIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Bookings_Status_AutoNoShowAt",
                table: "Bookings");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_Status_HoldExpiresAt",
                table: "Bookings");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_TenantId_HoldExpiresAt",
                table: "Bookings");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_TenantId_OrganizationKey_StartsAt",
                table: "Bookings");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_TenantId_SeriesId",
                table: "Bookings");

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_Status_AutoNoShowAt",
                table: "Bookings",
                columns: new[] { "Status", "AutoNoShowAt" },
                filter: "\"AutoNoShowAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_Status_HoldExpiresAt",
                table: "Bookings",
                columns: new[] { "Status", "HoldExpiresAt" },
                filter: "\"HoldExpiresAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_HoldExpiresAt",
                table: "Bookings",
                columns: new[] { "TenantId", "HoldExpiresAt" },
                filter: "\"HoldExpiresAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_OrganizationKey_StartsAt",
                table: "Bookings",
                columns: new[] { "TenantId", "OrganizationKey", "StartsAt" },
                filter: "\"OrganizationKey\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_SeriesId",
                table: "Bookings",
                columns: new[] { "TenantId", "SeriesId" },
                filter: "\"SeriesId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Bookings_Status_AutoNoShowAt",
                table: "Bookings");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_Status_HoldExpiresAt",
                table: "Bookings");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_TenantId_HoldExpiresAt",
                table: "Bookings");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_TenantId_OrganizationKey_StartsAt",
                table: "Bookings");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_TenantId_SeriesId",
                table: "Bookings");

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_Status_AutoNoShowAt",
                table: "Bookings",
                columns: new[] { "Status", "AutoNoShowAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_Status_HoldExpiresAt",
                table: "Bookings",
                columns: new[] { "Status", "HoldExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_HoldExpiresAt",
                table: "Bookings",
                columns: new[] { "TenantId", "HoldExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_OrganizationKey_StartsAt",
                table: "Bookings",
                columns: new[] { "TenantId", "OrganizationKey", "StartsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_SeriesId",
                table: "Bookings",
                columns: new[] { "TenantId", "SeriesId" });
        }
    }
}
