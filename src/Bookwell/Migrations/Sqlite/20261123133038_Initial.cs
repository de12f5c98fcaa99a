using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Allocations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BookingId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UnitKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Seat = table.Column<int>(type: "INTEGER", nullable: false),
                    Capacity = table.Column<int>(type: "INTEGER", nullable: false),
                    StartsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EndsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    GroupKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Live = table.Column<bool>(type: "INTEGER", nullable: false),
                    HoldExpiresAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Allocations", x => x.Id);
                    table.CheckConstraint("CK_Allocations_Seat", "\"Seat\" >= 0 AND \"Seat\" < \"Capacity\" AND \"StartsAt\" < \"EndsAt\"");
                });

            migrationBuilder.CreateTable(
                name: "Bookings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PageSlug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ServiceKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ServiceName = table.Column<string>(type: "TEXT", nullable: false),
                    StaffKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    BranchKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ResourceKeys = table.Column<string>(type: "TEXT", nullable: false),
                    StartsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EndsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    BufferBeforeMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    BufferAfterMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CustomerName = table.Column<string>(type: "TEXT", nullable: false),
                    CustomerEmail = table.Column<string>(type: "TEXT", nullable: false),
                    CustomerPhone = table.Column<string>(type: "TEXT", nullable: true),
                    AnswersJson = table.Column<string>(type: "TEXT", nullable: false),
                    Notes = table.Column<string>(type: "TEXT", nullable: true),
                    MarketingOptIn = table.Column<bool>(type: "INTEGER", nullable: false),
                    TermsAccepted = table.Column<bool>(type: "INTEGER", nullable: false),
                    LocationJson = table.Column<string>(type: "TEXT", nullable: true),
                    WalkIn = table.Column<bool>(type: "INTEGER", nullable: false),
                    GroupKey = table.Column<string>(type: "TEXT", nullable: true),
                    ManageTokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    HoldExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Bookings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Customers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    EmailNormalized = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Phone = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    MarketingOptIn = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Customers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Tenants",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Host = table.Column<string>(type: "TEXT", maxLength: 253, nullable: true),
                    IsDefault = table.Column<bool>(type: "INTEGER", nullable: false),
                    ConfigJson = table.Column<string>(type: "TEXT", nullable: false),
                    ConfigVersion = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Tenants", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "BookingEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BookingId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    FromStatus = table.Column<string>(type: "TEXT", nullable: true),
                    ToStatus = table.Column<string>(type: "TEXT", nullable: false),
                    PreviousStart = table.Column<long>(type: "INTEGER", nullable: true),
                    NewStart = table.Column<long>(type: "INTEGER", nullable: true),
                    By = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BookingEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BookingEvents_Bookings_BookingId",
                        column: x => x.BookingId,
                        principalTable: "Bookings",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Allocations_BookingId",
                table: "Allocations",
                column: "BookingId");

            migrationBuilder.CreateIndex(
                name: "IX_Allocations_TenantId_StartsAt",
                table: "Allocations",
                columns: new[] { "TenantId", "StartsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Allocations_TenantId_UnitKey_StartsAt",
                table: "Allocations",
                columns: new[] { "TenantId", "UnitKey", "StartsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_BookingEvents_BookingId",
                table: "BookingEvents",
                column: "BookingId");

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_ManageTokenHash",
                table: "Bookings",
                column: "ManageTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_HoldExpiresAt",
                table: "Bookings",
                columns: new[] { "TenantId", "HoldExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_StartsAt",
                table: "Bookings",
                columns: new[] { "TenantId", "StartsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_EmailNormalized",
                table: "Customers",
                columns: new[] { "TenantId", "EmailNormalized" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Tenants_Host",
                table: "Tenants",
                column: "Host",
                unique: true);

            // SQLite has no exclusion constraints; these triggers give the same guarantee as PostgreSQL's.
            const string overlap = """
                SELECT RAISE(ABORT, 'allocation_overlap') WHERE EXISTS (
                    SELECT 1 FROM "Allocations" a
                    WHERE a."TenantId" = NEW."TenantId" AND a."UnitKey" = NEW."UnitKey" AND a."Seat" = NEW."Seat"
                      AND a."Live" = 1 AND a."GroupKey" <> NEW."GroupKey" AND a."Id" <> NEW."Id"
                      AND a."StartsAt" < NEW."EndsAt" AND NEW."StartsAt" < a."EndsAt"
                      -- no allocation exceeds 72 hours (in ticks), which bounds the index scan
                      AND a."StartsAt" > NEW."StartsAt" - 2592000000000);
                """;
            migrationBuilder.Sql($"""
                CREATE TRIGGER "TR_Allocations_NoOverlap_Insert" BEFORE INSERT ON "Allocations"
                WHEN NEW."Live" = 1 BEGIN {overlap} END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "TR_Allocations_NoOverlap_Update" BEFORE UPDATE OF "Live", "StartsAt", "EndsAt", "UnitKey", "Seat", "GroupKey" ON "Allocations"
                WHEN NEW."Live" = 1 BEGIN {overlap} END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Allocations");

            migrationBuilder.DropTable(
                name: "BookingEvents");

            migrationBuilder.DropTable(
                name: "Customers");

            migrationBuilder.DropTable(
                name: "Tenants");

            migrationBuilder.DropTable(
                name: "Bookings");
        }
    }
}
