using Bookwell.Infrastructure;

namespace Bookwell.Features.Calendars;

/// <summary>The calendar sync page's words.</summary>
public static class CalendarText
{
    public static readonly IReadOnlyDictionary<string, string> English = new Dictionary<string, string>
    {
        ["nav"] = "Calendar sync",
        ["title"] = "Calendar sync",
        ["intro"] = "Busy times in a staff member's own calendar block their slots. Add the calendar's iCalendar (.ics) address as a busy source in the configuration (staff, busySources); it is read every few minutes.",
        ["sync-now"] = "Read all calendars now",
        ["synced"] = "All calendars were read.",
        ["sources"] = "Busy sources",
        ["no-sources"] = "No busy sources are configured.",
        ["staff"] = "Staff member",
        ["source"] = "Calendar address",
        ["last-success"] = "Last read",
        ["last-error"] = "Last error",
        ["busy-count"] = "Busy times",
        ["never"] = "never",
        ["ok"] = "OK",
        ["feeds"] = "Calendar feeds",
        ["feeds-intro"] = "Each staff member can subscribe to their bookings in any calendar app with this secret address. Anyone who has the address can read the bookings (client names and services): make a new address if it got out.",
        ["feed"] = "Subscription address",
        ["no-feed"] = "No address yet.",
        ["create-feed"] = "Create address",
        ["rotate-feed"] = "Make a new address",
        ["rotated"] = "The new address for {0} is ready; the old one no longer works.",
    };

    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>
    {
        ["nav"] = "Agendakoppeling",
        ["title"] = "Agendakoppeling",
        ["intro"] = "Bezette tijden in de eigen agenda van een medewerker blokkeren diens tijdsloten. Voeg het iCalendar-adres (.ics) van de agenda toe als bezet-bron in de configuratie (staff, busySources); het wordt om de paar minuten gelezen.",
        ["sync-now"] = "Alle agenda's nu lezen",
        ["synced"] = "Alle agenda's zijn gelezen.",
        ["sources"] = "Bezet-bronnen",
        ["no-sources"] = "Er zijn geen bezet-bronnen ingesteld.",
        ["staff"] = "Medewerker",
        ["source"] = "Agenda-adres",
        ["last-success"] = "Laatst gelezen",
        ["last-error"] = "Laatste fout",
        ["busy-count"] = "Bezette tijden",
        ["never"] = "nooit",
        ["ok"] = "In orde",
        ["feeds"] = "Agenda-abonnementen",
        ["feeds-intro"] = "Elke medewerker kan zich met dit geheime adres in elke agenda-app abonneren op diens afspraken. Wie het adres heeft, kan de afspraken lezen (namen van klanten en diensten): maak een nieuw adres als het is uitgelekt.",
        ["feed"] = "Abonnementsadres",
        ["no-feed"] = "Nog geen adres.",
        ["create-feed"] = "Adres maken",
        ["rotate-feed"] = "Nieuw adres maken",
        ["rotated"] = "Het nieuwe adres voor {0} staat klaar; het oude werkt niet meer.",
    };

    public static readonly TextSet Words = new("calendars", English, Dutch);
}
