using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PartialClientAndOutboxIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_Status_DueAt",
                table: "OutboxMessages");

            migrationBuilder.DropIndex(
                name: "IX_Customers_TenantId_MergedIntoId",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_Status_DueAt",
                table: "OutboxMessages",
                columns: new[] { "Status", "DueAt" },
                filter: "\"Status\" IN ('queued', 'sending')");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_MergedIntoId",
                table: "Customers",
                columns: new[] { "TenantId", "MergedIntoId" },
                filter: "\"MergedIntoId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_Status_DueAt",
                table: "OutboxMessages");

            migrationBuilder.DropIndex(
                name: "IX_Customers_TenantId_MergedIntoId",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_Status_DueAt",
                table: "OutboxMessages",
                columns: new[] { "Status", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_MergedIntoId",
                table: "Customers",
                columns: new[] { "TenantId", "MergedIntoId" });
        }
    }
}
