using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CalendarConnections : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Broken",
                table: "BusySources",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "ConnectedAt",
                table: "BusySources",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ExternalChanges",
                table: "BusySources",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "BusySources",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "ics");

            migrationBuilder.AddColumn<long>(
                name: "LastPushAt",
                table: "BusySources",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastPushError",
                table: "BusySources",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "PushedCount",
                table: "BusySources",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "SecretSealed",
                table: "BusySources",
                type: "TEXT",
                maxLength: 8000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UserName",
                table: "BusySources",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CalendarEventLinks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SourceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BookingId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Remote = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    ETag = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Fingerprint = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    StartsAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EndsAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Sequence = table.Column<int>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    RetryAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CalendarEventLinks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CalendarEventLinks_BusySources_SourceId",
                        column: x => x.SourceId,
                        principalTable: "BusySources",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CalendarEventLinks_SourceId_BookingId",
                table: "CalendarEventLinks",
                columns: new[] { "SourceId", "BookingId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CalendarEventLinks");

            migrationBuilder.DropColumn(
                name: "Broken",
                table: "BusySources");

            migrationBuilder.DropColumn(
                name: "ConnectedAt",
                table: "BusySources");

            migrationBuilder.DropColumn(
                name: "ExternalChanges",
                table: "BusySources");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "BusySources");

            migrationBuilder.DropColumn(
                name: "LastPushAt",
                table: "BusySources");

            migrationBuilder.DropColumn(
                name: "LastPushError",
                table: "BusySources");

            migrationBuilder.DropColumn(
                name: "PushedCount",
                table: "BusySources");

            migrationBuilder.DropColumn(
                name: "SecretSealed",
                table: "BusySources");

            migrationBuilder.DropColumn(
                name: "UserName",
                table: "BusySources");
        }
    }
}
