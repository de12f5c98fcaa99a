namespace Bookwell.Features.Bookings;

/// <summary>The booking lifecycle as one explicit table; every change goes through <see cref="CanMove"/>.</summary>
public static class BookingStatus
{
    public const string Pending = "pending";
    public const string PendingPayment = "pending_payment";
    public const string Confirmed = "confirmed";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string NoShow = "no_show";
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [Pending, PendingPayment, Confirmed, InProgress, Completed, NoShow, Cancelled];

    private static readonly Dictionary<string, string[]> Moves = new(StringComparer.Ordinal)
    {
        [Pending] = [Confirmed, Cancelled],
        [PendingPayment] = [Confirmed, Cancelled],
        [Confirmed] = [InProgress, Completed, NoShow, Cancelled],
        [InProgress] = [Completed, Cancelled],
        [Completed] = [],
        [NoShow] = [],
        [Cancelled] = [],
    };

    public static bool CanMove(string from, string to) => Moves.TryGetValue(from, out var next) && next.Contains(to);

    /// <summary>Statuses in which the booking still holds its time.</summary>
    public static bool HoldsTime(string status) => status != Cancelled;

    /// <summary>Statuses a client may still cancel or reschedule from.</summary>
    public static bool IsOpen(string status) => status is Pending or PendingPayment or Confirmed;
}
