using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NodaTime;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Bookwell.Migrations.Postgres
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
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<Instant>(
                name: "ConnectedAt",
                table: "BusySources",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ExternalChanges",
                table: "BusySources",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "BusySources",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "ics");

            migrationBuilder.AddColumn<Instant>(
                name: "LastPushAt",
                table: "BusySources",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastPushError",
                table: "BusySources",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "PushedCount",
                table: "BusySources",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "SecretSealed",
                table: "BusySources",
                type: "character varying(8000)",
                maxLength: 8000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UserName",
                table: "BusySources",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CalendarEventLinks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    SourceId = table.Column<Guid>(type: "uuid", nullable: false),
                    BookingId = table.Column<Guid>(type: "uuid", nullable: false),
                    Remote = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    ETag = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Fingerprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    StartsAt = table.Column<Instant>(type: "timestamp with time zone", nullable: true),
                    EndsAt = table.Column<Instant>(type: "timestamp with time zone", nullable: true),
                    Sequence = table.Column<int>(type: "integer", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    RetryAt = table.Column<Instant>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
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
