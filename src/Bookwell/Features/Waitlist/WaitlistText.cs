using Bookwell.Infrastructure;

namespace Bookwell.Features.Waitlist;

/// <summary>The waitlist's words: its e-mails, its page, and the join form on the booking page.</summary>
public static class WaitlistText
{
    public static readonly IReadOnlyDictionary<string, string> English = new Dictionary<string, string>
    {
        ["hello"] = "Hello {0},",
        ["joined-subject"] = "You are on the waitlist: {0}, {1} – {2}",
        ["joined-body"] = "You are on the waitlist for {0} on {1}. When a time that suits you comes free, we hold it for you and e-mail you.",
        ["offer-subject"] = "A time came free: {0}, {1} – {2}",
        ["offer-body"] = "A time came free for {0}: {1}. We hold it for you until {2}.",
        ["offer-expired-note"] = "After that it goes to the next person on the waitlist.",
        ["open-link"] = "Accept or decline",
        ["manage-link"] = "Your place on the waitlist",
        ["window-any"] = "any time",
        ["window-range"] = "{0}–{1}",
        ["title"] = "Waitlist",
        ["service"] = "Service",
        ["branch"] = "Location",
        ["branch-any"] = "Wherever it is offered",
        ["date"] = "Date",
        ["window"] = "Time",
        ["status"] = "Status",
        ["status-waiting"] = "You are on the waitlist. We e-mail you when a time comes free.",
        ["status-offered"] = "A time came free for you.",
        ["status-booked"] = "You accepted the offered time. Your booking is confirmed.",
        ["status-declined"] = "You declined the offered time.",
        ["status-expired"] = "The offered time was not accepted in time.",
        ["status-left"] = "You left the waitlist.",
        ["status-withdrawn"] = "The offered time is no longer available.",
        ["offered-time"] = "Offered time",
        ["held-until"] = "Held for you until",
        ["accept"] = "Book this time",
        ["decline"] = "Decline",
        ["leave"] = "Leave the waitlist",
        ["not-found"] = "This waitlist link is not valid.",
        ["gone"] = "This time is no longer available.",
        ["view-booking"] = "View your booking",
        ["join-title"] = "Join the waitlist",
        ["off"] = "This booking page has no waitlist. Please choose another day or time.",
        ["back-to-booking"] = "Back to booking",
        ["join-intro"] = "This day is full. Join the waitlist and we e-mail you when a time comes free.",
        ["pref"] = "Preferred time",
        ["pref-any"] = "Any time",
        ["pref-morning"] = "Morning (before 12:00)",
        ["pref-afternoon"] = "Afternoon (12:00–17:00)",
        ["pref-evening"] = "Evening (after 17:00)",
        ["pref-range"] = "Between",
        ["from"] = "From",
        ["to"] = "To",
        ["name"] = "Full name",
        ["email"] = "E-mail address",
        ["phone"] = "Phone number (optional)",
        ["address"] = "Address where we should come",
        ["address-hint"] = "For services at your place: we only offer times that leave us enough travel time to reach you. Not found? Give the latitude and longitude.",
        ["latitude"] = "Latitude (optional)",
        ["longitude"] = "Longitude (optional)",
        ["join"] = "Join the waitlist",
        ["joined"] = "You are on the waitlist. We sent you an e-mail with a link to your place.",
        ["fix"] = "Please check the form:",
        ["join-link"] = "Is the day you want full? Join the waitlist",
        ["admin-show"] = "Show",
        ["admin-empty"] = "Nobody is on the waitlist for this day.",
        ["admin-offer"] = "Send offer",
        ["admin-offered"] = "Offer sent: the first free time that fits is held and mailed.",
        ["admin-no-time"] = "No free time on this day fits this entry now.",
        ["admin-client"] = "Client",
        ["admin-position"] = "In line",
        ["admin-actions"] = "Actions",
    };

    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>
    {
        ["hello"] = "Hallo {0},",
        ["joined-subject"] = "U staat op de wachtlijst: {0}, {1} – {2}",
        ["joined-body"] = "U staat op de wachtlijst voor {0} op {1}. Komt er een tijd vrij die u past, dan houden we die voor u vast en mailen we u.",
        ["offer-subject"] = "Er is een tijd vrijgekomen: {0}, {1} – {2}",
        ["offer-body"] = "Er is een tijd vrijgekomen voor {0}: {1}. We houden die voor u vast tot {2}.",
        ["offer-expired-note"] = "Daarna gaat die naar de volgende op de wachtlijst.",
        ["open-link"] = "Accepteren of afslaan",
        ["manage-link"] = "Uw plaats op de wachtlijst",
        ["window-any"] = "elk tijdstip",
        ["window-range"] = "{0}–{1}",
        ["title"] = "Wachtlijst",
        ["service"] = "Dienst",
        ["branch"] = "Vestiging",
        ["branch-any"] = "Waar het ook wordt aangeboden",
        ["date"] = "Datum",
        ["window"] = "Tijd",
        ["status"] = "Status",
        ["status-waiting"] = "U staat op de wachtlijst. We mailen u als er een tijd vrijkomt.",
        ["status-offered"] = "Er is een tijd voor u vrijgekomen.",
        ["status-booked"] = "U hebt de aangeboden tijd geaccepteerd. Uw afspraak is bevestigd.",
        ["status-declined"] = "U hebt de aangeboden tijd afgeslagen.",
        ["status-expired"] = "De aangeboden tijd is niet op tijd geaccepteerd.",
        ["status-left"] = "U hebt de wachtlijst verlaten.",
        ["status-withdrawn"] = "De aangeboden tijd is niet meer beschikbaar.",
        ["offered-time"] = "Aangeboden tijd",
        ["held-until"] = "Voor u vastgehouden tot",
        ["accept"] = "Deze tijd boeken",
        ["decline"] = "Afslaan",
        ["leave"] = "Wachtlijst verlaten",
        ["not-found"] = "Deze wachtlijstlink is niet geldig.",
        ["gone"] = "Deze tijd is niet meer beschikbaar.",
        ["view-booking"] = "Uw afspraak bekijken",
        ["join-title"] = "Op de wachtlijst",
        ["off"] = "Deze boekingspagina heeft geen wachtlijst. Kies een andere dag of tijd.",
        ["back-to-booking"] = "Terug naar boeken",
        ["join-intro"] = "Deze dag is vol. Zet u op de wachtlijst, dan mailen we u als er een tijd vrijkomt.",
        ["pref"] = "Voorkeurstijd",
        ["pref-any"] = "Elk tijdstip",
        ["pref-morning"] = "Ochtend (voor 12:00)",
        ["pref-afternoon"] = "Middag (12:00–17:00)",
        ["pref-evening"] = "Avond (na 17:00)",
        ["pref-range"] = "Tussen",
        ["from"] = "Van",
        ["to"] = "Tot",
        ["name"] = "Volledige naam",
        ["email"] = "E-mailadres",
        ["phone"] = "Telefoonnummer (optioneel)",
        ["address"] = "Adres waar wij moeten komen",
        ["address-hint"] = "Voor diensten bij u thuis: wij bieden alleen tijden aan waarbij wij genoeg reistijd hebben om bij u te komen. Niet gevonden? Geef de breedte- en lengtegraad.",
        ["latitude"] = "Breedtegraad (optioneel)",
        ["longitude"] = "Lengtegraad (optioneel)",
        ["join"] = "Op de wachtlijst",
        ["joined"] = "U staat op de wachtlijst. We hebben u een e-mail gestuurd met een link naar uw plaats.",
        ["fix"] = "Controleer het formulier:",
        ["join-link"] = "Is de dag die u wilt vol? Zet u op de wachtlijst",
        ["admin-show"] = "Tonen",
        ["admin-empty"] = "Niemand staat voor deze dag op de wachtlijst.",
        ["admin-offer"] = "Aanbod sturen",
        ["admin-offered"] = "Aanbod verstuurd: de eerste vrije tijd die past is vastgehouden en gemaild.",
        ["admin-no-time"] = "Er is op deze dag nu geen vrije tijd die bij deze aanvraag past.",
        ["admin-client"] = "Klant",
        ["admin-position"] = "Plaats",
        ["admin-actions"] = "Acties",
    };

    public static readonly TextSet Words = new("waitlist", English, Dutch);

    /// <summary>
    /// The join's own field messages (API problem details and the join page), keyed by their English; the ones it shares with a
    /// booking (service, customer, zone, location) come from <see cref="Bookings.BookingRuleText"/>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> RulesDutch = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["No such service on this page."] = "Deze dienst bestaat niet op deze pagina.",
        ["This service needs no staff member; leave it null."] = "Voor deze dienst is geen medewerker nodig; laat dit leeg (null).",
        ["Required: a date as YYYY-MM-DD."] = "Verplicht: een datum als JJJJ-MM-DD.",
        ["Must be today or later."] = "Moet vandaag of later zijn.",
        ["Is beyond how far ahead this service can be booked."] = "Ligt verder vooruit dan deze dienst geboekt kan worden.",
        ["Must be a time as HH:mm (00:00 to 24:00), or null."] = "Moet een tijd zijn als UU:mm (00:00 tot 24:00), of null.",
        ["Must be later than 'from'."] = "Moet later zijn dan het begin ('from').",
        ["This page has no branches; leave it null."] = "Deze pagina heeft geen vestigingen; laat dit leeg (null).",
        ["This branch has no waitlist."] = "Deze vestiging heeft geen wachtlijst.",
        ["The chosen staff member does not work at this branch."] = "De gekozen medewerker werkt niet bij deze vestiging.",
        ["This service is not given at this branch."] = "Deze dienst wordt bij deze vestiging niet gegeven.",
        ["No branch that gives this service has a waitlist."] = "Geen vestiging die deze dienst geeft heeft een wachtlijst.",
        ["Required: the branch to wait at, one of {0}."] = "Verplicht: de vestiging waar u wilt wachten, een van {0}.",
        ["This page has no waitlist."] = "Deze pagina heeft geen wachtlijst.",
        ["Must be a number such as 52.09."] = "Moet een getal zijn, zoals 52.09.",
    };

    /// <summary>Declared after its dictionary: statics initialise in order.</summary>
    public static readonly TextSet Rules = TextSet.EnglishKeyed("waitlist-rules", RulesDutch);

    /// <summary>A join rule's message in <paramref name="language"/>: the waitlist's own, else the booking rules' (numbers as the API writes them).</summary>
    public static string Say(string language, string english, params object?[] args)
    {
        var set = RulesDutch.ContainsKey(english) ? Rules : Bookings.BookingRuleText.Words;
        return set.FormatIn(language, System.Globalization.CultureInfo.InvariantCulture, english, args ?? []);
    }
}
