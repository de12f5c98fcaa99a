using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SealedManageToken : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ManageTokenSealed",
                table: "Bookings",
                type: "TEXT",
                maxLength: 400,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ManageTokenSealed",
                table: "Bookings");
        }
    }
}
