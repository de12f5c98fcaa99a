using System.Globalization;
using Bookwell.Infrastructure;

namespace Bookwell.Features.Notifications;

/// <summary>
/// The words of booking e-mails and text messages. Messages are written in the recipient's language (the one
/// stored with the booking), never the sending request's, so they are looked up with <c>Get</c>/<c>FormatIn</c>.
/// </summary>
public static class MailText
{
    public static readonly IReadOnlyDictionary<string, string> English = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // The culture whose day and month names a message uses; it lives here so a new language cannot lack one.
        ["culture"] = "en-GB",
        ["confirmed"] = "Booking confirmed",
        ["pending"] = "Booking request received",
        ["pending_payment"] = "Booking awaiting payment",
        ["rescheduled"] = "Booking moved",
        ["cancelled"] = "Booking cancelled",
        ["reminder"] = "Reminder",
        ["confirm-request"] = "Please confirm your booking",
        ["confirm-button"] = "Confirm my booking",
        ["hello"] = "Hello {0},",
        ["when"] = "When",
        ["series-dates"] = "All {0} dates of this series:",
        ["series-moved"] = "New dates ({0}):",
        ["series-cancelled"] = "Cancelled ({0}):",
        ["service"] = "Service",
        ["with"] = "With",
        ["where"] = "Where",
        ["manage"] = "Change or cancel your booking",
        ["google"] = "Add to Google Calendar",
        ["cancel-note"] = "This booking has been cancelled.",
        ["earlier-link"] = "To change or cancel, use the link in the e-mail we sent when you booked.",
        ["preferences"] = "Reminders and news: your preferences or unsubscribe",
        ["no-show-subject"] = "We missed you – {0}",
        ["no-show-line"] = "You did not make it to your {0}. Would you like to book a new time?",
        ["no-show-button"] = "Book a new time",
        ["sms-reminder"] = "Reminder: {0} at {1}, {2}.",
        ["sms-manage"] = "Change or cancel: {0}",
        ["business-new"] = "New booking",
        ["business-rescheduled"] = "Moved",
        ["business-cancelled"] = "Cancelled",
        ["business-with"] = "with {0}",
        ["business-client"] = "Client",
        ["business-notes"] = "Notes",
        ["business-status"] = "Status",
    };

    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["culture"] = "nl-NL",
        ["confirmed"] = "Afspraak bevestigd",
        ["pending"] = "Aanvraag ontvangen",
        ["pending_payment"] = "Afspraak wacht op betaling",
        ["rescheduled"] = "Afspraak verzet",
        ["cancelled"] = "Afspraak geannuleerd",
        ["reminder"] = "Herinnering",
        ["confirm-request"] = "Bevestig uw afspraak",
        ["confirm-button"] = "Mijn afspraak bevestigen",
        ["hello"] = "Beste {0},",
        ["when"] = "Wanneer",
        ["series-dates"] = "Alle {0} datums van deze reeks:",
        ["series-moved"] = "Nieuwe datums ({0}):",
        ["series-cancelled"] = "Geannuleerd ({0}):",
        ["service"] = "Dienst",
        ["with"] = "Bij",
        ["where"] = "Waar",
        ["manage"] = "Uw afspraak wijzigen of annuleren",
        ["google"] = "Toevoegen aan Google Agenda",
        ["cancel-note"] = "Deze afspraak is geannuleerd.",
        ["earlier-link"] = "Wijzigen of annuleren doet u met de link in de e-mail die we stuurden toen u boekte.",
        ["preferences"] = "Herinneringen en nieuws: uw voorkeuren of afmelden",
        ["no-show-subject"] = "We hebben u gemist – {0}",
        ["no-show-line"] = "U was er niet voor {0}. Wilt u een nieuwe afspraak maken?",
        ["no-show-button"] = "Nieuwe afspraak maken",
        ["sms-reminder"] = "Herinnering: {0} bij {1}, {2}.",
        ["sms-manage"] = "Wijzigen of annuleren: {0}",
        ["business-new"] = "Nieuwe afspraak",
        ["business-rescheduled"] = "Verzet",
        ["business-cancelled"] = "Geannuleerd",
        ["business-with"] = "bij {0}",
        ["business-client"] = "Klant",
        ["business-notes"] = "Opmerkingen",
        ["business-status"] = "Status",
    };

    /// <summary>Declared after its dictionaries: statics initialise in order.</summary>
    public static readonly TextSet Words = new("mail", English, Dutch);

    /// <summary>The culture a message in <paramref name="language"/> formats its dates with.</summary>
    public static CultureInfo Culture(string language) => CultureInfo.GetCultureInfo(Words.Get("culture", language));

    /// <summary>
    /// The language of notices to the business itself. Neither a business nor a staff member stores one yet,
    /// so these stay in English as they always were.
    /// </summary>
    public const string BusinessLanguage = "en";
}
