using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;

namespace Bookwell.Features.Calendars;

/// <summary>What a busy-source entry in the configuration may hold (contract 4.9).</summary>
public static class BusySourceRules
{
    public static void Validate(Errors e, string path, List<BusySourceDoc> sources, bool allowPrivateAddresses)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count > CalendarOptions.MaxSourcesPerStaff)
        {
            e.Add(path, $"At most {CalendarOptions.MaxSourcesPerStaff} busy sources per staff member.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sources.Count; i++)
        {
            var p = $"{path}[{i}].url";
            if (Problem(sources[i].Url, allowPrivateAddresses) is { } problem)
            {
                e.Add(p, problem);
            }
            else if (!seen.Add(sources[i].Url!))
            {
                e.Add(p, "Listed twice.");
            }
        }
    }

    /// <summary>Why a URL cannot be a busy source, or null. The real guard is at connect time; this catches the obvious early.</summary>
    public static string? Problem(string? url, bool allowPrivateAddresses)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Required: the address of an iCalendar (.ics) feed.";
        }
        if (url.Length > CalendarOptions.MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"Must be an absolute http(s) URL of at most {CalendarOptions.MaxUrlLength} characters.";
        }
        if (uri.UserInfo.Length > 0)
        {
            return "Must not hold a user name or password.";
        }
        if (!allowPrivateAddresses && AddressRules.HostRefusal(uri) is not null)
        {
            return "Refused: private, loopback and link-local addresses cannot be busy sources.";
        }
        return null;
    }
}
