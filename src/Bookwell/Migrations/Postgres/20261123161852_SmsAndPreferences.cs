using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SmsAndPreferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Channel",
                table: "OutboxMessages",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "email");

            migrationBuilder.AddColumn<bool>(
                name: "EmailRemindersOff",
                table: "Customers",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "SmsRemindersOff",
                table: "Customers",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "PhoneE164",
                table: "Bookings",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Channel",
                table: "OutboxMessages");

            migrationBuilder.DropColumn(
                name: "EmailRemindersOff",
                table: "Customers");

            migrationBuilder.DropColumn(
                name: "SmsRemindersOff",
                table: "Customers");

            migrationBuilder.DropColumn(
                name: "PhoneE164",
                table: "Bookings");
        }
    }
}
