using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionSixteenOrgLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LinksRevokedAt",
                table: "OrganizationMembers",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LinksRevokedAt",
                table: "OrganizationMembers");
        }
    }
}
