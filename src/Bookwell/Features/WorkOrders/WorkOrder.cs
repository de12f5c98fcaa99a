using Bookwell.Features.Bookings;
using Bookwell.Infrastructure;

namespace Bookwell.Features.WorkOrders;

/// <summary>Issue 15 (seed 002): a booking's link to a work order kept elsewhere (an ERP or field-service tool).</summary>
/// <param name="Reference">The other system's number, as its people say it ("WO-2027-0412").</param>
/// <param name="Url">Where the operator opens it; absent when the other system has no web page for it.</param>
public sealed record WorkOrderView(string Reference, string? Url);

/// <summary>The admin API's body for setting a work order.</summary>
public sealed class WorkOrderRequest
{
    public string? Reference { get; set; }
    public string? Url { get; set; }
}

/// <summary>What a work order link may hold, the same for the API and the dashboard form.</summary>
public static class WorkOrderRules
{
    public const int MaxReferenceLength = 100;
    public const int MaxUrlLength = 2000;

    /// <summary>
    /// The link when valid, else null with the reasons in <paramref name="errors"/>. Only absolute http(s) addresses: the
    /// dashboard renders the address as a link, so a <c>javascript:</c> or <c>data:</c> one would run in an operator's session.
    /// </summary>
    public static WorkOrderView? Read(string? reference, string? url, Errors errors, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(errors);
        var text = reference?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            errors.Add(prefix + "reference", "Required: the work order's number or name.");
        }
        else if (text.Length > MaxReferenceLength)
        {
            errors.Add(prefix + "reference", $"At most {MaxReferenceLength} characters.");
        }
        else if (ContactRules.HasForbiddenCharacters(text))
        {
            errors.Add(prefix + "reference", ContactRules.NameMessage);
        }
        var address = string.IsNullOrWhiteSpace(url) ? null : url.Trim();
        if (address is not null)
        {
            if (address.Length > MaxUrlLength)
            {
                errors.Add(prefix + "url", $"At most {MaxUrlLength} characters.");
            }
            else if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0 ||
                     ContactRules.HasForbiddenCharacters(address) || address.Any(char.IsWhiteSpace))
            {
                errors.Add(prefix + "url", "Must be an http or https address such as https://erp.example.com/orders/412.");
            }
        }
        return errors.Any ? null : new WorkOrderView(text!, address);
    }

    public static WorkOrderView? Of(Data.Booking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        return booking.WorkOrderReference is { } reference ? new WorkOrderView(reference, booking.WorkOrderUrl) : null;
    }
}
