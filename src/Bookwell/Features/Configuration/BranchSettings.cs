namespace Bookwell.Features.Configuration;

/// <summary>
/// Issue 15 (seed 001): reminders, automatic no-show, double opt-in and the waitlist may be set per branch, each falling
/// back to the page's value. Compiled once per configuration into a whole <see cref="SettingsDoc"/> per branch, so the
/// code that reads a setting asks <see cref="CompiledPage.SettingsFor"/> with the booking's branch and reads it as before.
/// </summary>
public static class BranchSettings
{
    /// <summary>The page's settings with the branch's own values over them; 0 turns automatic no-show or double opt-in off.</summary>
    public static SettingsDoc Merge(SettingsDoc page, BranchSettingsDoc? own)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (own is null)
        {
            return page;
        }
        var merged = page.Copy();
        merged.ReminderMinutes = own.ReminderMinutes ?? page.ReminderMinutes;
        merged.AutoNoShowMinutes = own.AutoNoShowMinutes is { } late ? (late == 0 ? null : late) : page.AutoNoShowMinutes;
        merged.DoubleOptInHours = own.DoubleOptInHours is { } hours ? (hours == 0 ? null : hours) : page.DoubleOptInHours;
        merged.Waitlist = own.Waitlist ?? page.Waitlist;
        merged.WaitlistHoldMinutes = own.WaitlistHoldMinutes ?? page.WaitlistHoldMinutes;
        merged.WaitlistMode = own.WaitlistMode ?? page.WaitlistMode;
        merged.WaitlistExpiredMail = own.WaitlistExpiredMail ?? page.WaitlistExpiredMail;
        return merged;
    }

    /// <summary>Whether the waitlist is on for <paramref name="branch"/>; with no branch known, whether it is on anywhere on the page.</summary>
    public static bool WaitlistOn(CompiledPage page, string? branch)
    {
        ArgumentNullException.ThrowIfNull(page);
        return branch is not null
            ? page.SettingsFor(branch).Waitlist == true
            : page.Doc.Settings?.Waitlist == true || page.BranchSettings.Values.Any(s => s.Waitlist == true);
    }
}
