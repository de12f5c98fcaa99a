using Microsoft.EntityFrameworkCore.Migrations;
using NodaTime;

#nullable disable

namespace Bookwell.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AutoNoShow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Instant>(
                name: "AutoNoShowAt",
                table: "Bookings",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_Status_AutoNoShowAt",
                table: "Bookings",
                columns: new[] { "Status", "AutoNoShowAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Bookings_Status_AutoNoShowAt",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "AutoNoShowAt",
                table: "Bookings");
        }
    }
}
