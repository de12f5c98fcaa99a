using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Organizations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "MemberNumber",
                table: "Bookings",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OrganizationKey",
                table: "Bookings",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "OrganizationMemberId",
                table: "Bookings",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "OrganizationLinks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MemberId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PageSlug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OrganizationKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationLinks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "OrganizationMembers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PageSlug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OrganizationKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    EmailNormalized = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    MemberNumber = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationMembers", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Bookings_TenantId_OrganizationKey_StartsAt",
                table: "Bookings",
                columns: new[] { "TenantId", "OrganizationKey", "StartsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationLinks_MemberId",
                table: "OrganizationLinks",
                column: "MemberId");

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationLinks_TenantId_PageSlug_OrganizationKey",
                table: "OrganizationLinks",
                columns: new[] { "TenantId", "PageSlug", "OrganizationKey" });

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationLinks_TokenHash",
                table: "OrganizationLinks",
                column: "TokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationMembers_TenantId_CustomerId",
                table: "OrganizationMembers",
                columns: new[] { "TenantId", "CustomerId" });

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationMembers_TenantId_PageSlug_OrganizationKey_EmailNormalized",
                table: "OrganizationMembers",
                columns: new[] { "TenantId", "PageSlug", "OrganizationKey", "EmailNormalized" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "OrganizationLinks");

            migrationBuilder.DropTable(
                name: "OrganizationMembers");

            migrationBuilder.DropIndex(
                name: "IX_Bookings_TenantId_OrganizationKey_StartsAt",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "MemberNumber",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "OrganizationKey",
                table: "Bookings");

            migrationBuilder.DropColumn(
                name: "OrganizationMemberId",
                table: "Bookings");
        }
    }
}
