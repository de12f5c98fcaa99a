namespace Bookwell.Tests.Infrastructure;

/// <summary>
/// The size of the issues' scale proofs. The default run (<c>scripts/test.sh</c>, which CI runs) takes each at a size
/// that still walks every path the proof is about (the kill in the middle of a batch, two nodes answering in turn, every
/// kind of event order) within the run's 20-minute budget on two cores; <c>BOOKWELL_TEST_SCALE=full</c> runs them at
/// the size their issue names (1,000 rounds, 1,000 members, 2,000 messages).
/// </summary>
public static class TestScale
{
    public static bool Full { get; } = string.Equals(Environment.GetEnvironmentVariable("BOOKWELL_TEST_SCALE"), "full", StringComparison.OrdinalIgnoreCase);

    public static int Of(int quick, int full) => Full ? full : quick;
}
