using Bookwell.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Postgres
{
    /// <summary>
    /// Branch migration (issue 12, written by hand; the lead folds it into one combined migration): the clients' merge index
    /// holds only merged duplicates, the outbox's claim index only messages still to send.
    /// </summary>
    [DbContext(typeof(PostgresBookwellDb))]
    [Migration("20261204183000_PartialClientAndOutboxIndexes")]
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
