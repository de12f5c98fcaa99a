using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class HPay : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Attempt",
                table: "NoShowFees",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "DeskSales",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    BookingId = table.Column<Guid>(type: "TEXT", nullable: true),
                    InvoiceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    InvoiceNumber = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    PageSlug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CustomerName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Total = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    Discount = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    Tip = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    Cash = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    Tendered = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    Change = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    Card = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    CardReference = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    By = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeskSales", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DeskSales_BookingId",
                table: "DeskSales",
                column: "BookingId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DeskSales_TenantId_At",
                table: "DeskSales",
                columns: new[] { "TenantId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_DeskSales_TenantId_Key",
                table: "DeskSales",
                columns: new[] { "TenantId", "Key" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DeskSales");

            migrationBuilder.DropColumn(
                name: "Attempt",
                table: "NoShowFees");
        }
    }
}
