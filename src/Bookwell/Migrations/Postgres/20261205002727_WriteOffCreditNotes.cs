using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WriteOffCreditNotes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<Guid>(
                name: "RefundId",
                table: "CreditNotes",
                type: "uuid",
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uuid");

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "CreditNotes",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "refund");

            migrationBuilder.AddColumn<Guid>(
                name: "ReversesId",
                table: "CreditNotes",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReversesNumber",
                table: "CreditNotes",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_CreditNotes_ReversesId",
                table: "CreditNotes",
                column: "ReversesId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_CreditNotes_TenantId_InvoiceId",
                table: "CreditNotes",
                columns: new[] { "TenantId", "InvoiceId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_CreditNotes_ReversesId",
                table: "CreditNotes");

            migrationBuilder.DropIndex(
                name: "IX_CreditNotes_TenantId_InvoiceId",
                table: "CreditNotes");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "CreditNotes");

            migrationBuilder.DropColumn(
                name: "ReversesId",
                table: "CreditNotes");

            migrationBuilder.DropColumn(
                name: "ReversesNumber",
                table: "CreditNotes");

            migrationBuilder.AlterColumn<Guid>(
                name: "RefundId",
                table: "CreditNotes",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"),
                oldClrType: typeof(Guid),
                oldType: "uuid",
                oldNullable: true);
        }
    }
}
