using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AutoNoShow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "AutoNoShowAt",
                table: "Bookings",
                type: "INTEGER",
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
