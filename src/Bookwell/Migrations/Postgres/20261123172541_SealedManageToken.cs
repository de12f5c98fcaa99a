using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Postgres
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
                type: "character varying(400)",
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
