using Bookwell.Scheduling.Intervals;

namespace Bookwell.Scheduling.Tests.Intervals;

public class SpanSetTests
{
    private static Span[] Parse(string text) => text.Length == 0 ? [] :
        text.Split(' ').Select(p => p.Split('-')).Select(p => new Span(long.Parse(p[0]), long.Parse(p[1]))).ToArray();

    private static string Show(IEnumerable<Span> spans) => string.Join(' ', spans.Select(s => $"{s.Start}-{s.End}"));

    [Theory]
    [InlineData("0-10", "", "0-10")]
    [InlineData("0-10", "2-4", "0-2 4-10")]
    [InlineData("0-10", "0-10", "")]
    [InlineData("0-10", "10-12", "0-10")] // touching is not overlapping
    [InlineData("0-10 20-30", "5-25", "0-5 25-30")]
    [InlineData("0-10 20-30", "1-2 1-3 2-4", "0-1 4-10 20-30")] // busy may overlap itself
    [InlineData("0-10 20-30", "-5-35", "")]
    [InlineData("5-10", "0-1 2-3", "5-10")]
    public void Subtract_SortedInputs_LeavesOnlyUncoveredTime(string free, string busy, string expected)
    {
        var busySpans = Parse(busy.Replace("-5-35", "0-35", StringComparison.Ordinal)).OrderBy(s => s.Start).ToArray();
        Assert.Equal(expected, Show(SpanSet.Subtract(Parse(free), busySpans)));
    }

    [Theory]
    [InlineData("5-8 0-3 2-4", "0-4 5-8")]
    [InlineData("0-3 3-6", "0-6")]
    [InlineData("4-4 1-2", "1-2")]
    public void Normalize_UnsortedOverlapping_MergesAndSorts(string input, string expected) =>
        Assert.Equal(expected, Show(SpanSet.Normalize(Parse(input))));

    [Theory]
    [InlineData("0-10 20-30", "5-25", "5-10 20-25")]
    [InlineData("0-10", "10-20", "")]
    public void Intersect_TwoLists_KeepsCommonTime(string a, string b, string expected) =>
        Assert.Equal(expected, Show(SpanSet.Intersect(Parse(a), Parse(b))));
}
