using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bookwell.Migrations.Postgres
{
    /// <summary>
    /// The same exclusion rule with the time range as the index's first column. GiST picks where a new
    /// entry goes column by column and only looks at the next column on a tie; with the tenant first every
    /// entry of a business tied, and so did most unit keys, so each insert compared text keys all the way
    /// down. Time first settles almost every choice on the first column. Measured (interleaved inserts into
    /// two copies of the table, 40,000 rows each): 74-77 µs per row before, 55-58 after. Rebuilding takes
    /// a lock on Allocations for as long as the index build.
    /// </summary>
    public partial class ExclusionTimeFirst : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE "Allocations" DROP CONSTRAINT "EX_Allocations_NoOverlap";
                ALTER TABLE "Allocations" ADD CONSTRAINT "EX_Allocations_NoOverlap" EXCLUDE USING gist (
                    tstzrange("StartsAt", "EndsAt", '[)') WITH &&,
                    "TenantId" WITH =,
                    "UnitKey" WITH =,
                    "Seat" WITH =,
                    "GroupKey" WITH <>
                ) WHERE ("Live");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE "Allocations" DROP CONSTRAINT "EX_Allocations_NoOverlap";
                ALTER TABLE "Allocations" ADD CONSTRAINT "EX_Allocations_NoOverlap" EXCLUDE USING gist (
                    "TenantId" WITH =,
                    "UnitKey" WITH =,
                    "Seat" WITH =,
                    tstzrange("StartsAt", "EndsAt", '[)') WITH &&,
                    "GroupKey" WITH <>
                ) WHERE ("Live");
                """);
        }
    }
}
