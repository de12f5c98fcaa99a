using Bookwell.Infrastructure;

namespace Bookwell.Features.Me;

/// <summary>The words of <c>/me</c>, the install's page of a person's bookings at every business, and of its sign-in e-mail.</summary>
public static class MeText
{
    public static string M(string key) => Words[key];

    public static string M(string key, params object?[] args) => Words.Format(key, args);

    public static readonly TextSet Words = new("me", new Dictionary<string, string>
    {
        ["title"] = "Your bookings everywhere",
        ["intro"] = "See your bookings at every business on this site in one place. Enter your e-mail address and we send you a sign-in link.",
        ["email"] = "E-mail address",
        ["email-invalid"] = "Enter an e-mail address such as name@example.com.",
        ["send-link"] = "Send me a sign-in link",
        ["link-sent"] = "If {0} has bookings here, a sign-in link is on its way. It works once, for 15 minutes.",
        ["link-dead-title"] = "This link no longer works",
        ["link-dead"] = "This sign-in link has been used or has expired. Ask for a new one below.",
        ["link-continue"] = "Continue to your bookings",
        ["link-continue-button"] = "Sign in",
        ["signed-in-as"] = "Signed in as {0}",
        ["sign-out"] = "Sign out",
        ["none"] = "No bookings were found for this address.",
        ["upcoming"] = "Upcoming",
        ["past"] = "Past and cancelled",
        ["no-upcoming"] = "No upcoming bookings.",
        ["past-limited"] = "Showing the latest {0}; the business's own page has all of them.",
        ["open-portal"] = "Open your account at {0}",
        ["no-portal"] = "This business has no client portal.",
        ["status-confirmed"] = "Confirmed",
        ["status-pending"] = "Waiting for confirmation",
        ["status-pending_payment"] = "Waiting for payment",
        ["status-cancelled"] = "Cancelled",
        ["status-completed"] = "Completed",
        ["status-no_show"] = "Missed",
        ["status-in_progress"] = "In progress",
        ["mail-subject"] = "Your sign-in link",
        ["mail-intro"] = "Someone (hopefully you) asked to see the bookings made with this address.",
        ["mail-button"] = "See your bookings",
        ["mail-ignore"] = "The link works once, for 15 minutes. If you did not ask for it, you can ignore this e-mail.",
    }, new Dictionary<string, string>
    {
        ["title"] = "Al je afspraken",
        ["intro"] = "Bekijk je afspraken bij alle bedrijven op deze site op één plek. Vul je e-mailadres in en we sturen je een inloglink.",
        ["email"] = "E-mailadres",
        ["email-invalid"] = "Vul een e-mailadres in, zoals naam@voorbeeld.nl.",
        ["send-link"] = "Stuur mij een inloglink",
        ["link-sent"] = "Als {0} hier afspraken heeft, is er een inloglink onderweg. Die werkt één keer, 15 minuten lang.",
        ["link-dead-title"] = "Deze link werkt niet meer",
        ["link-dead"] = "Deze inloglink is al gebruikt of verlopen. Vraag hieronder een nieuwe aan.",
        ["link-continue"] = "Verder naar je afspraken",
        ["link-continue-button"] = "Inloggen",
        ["signed-in-as"] = "Ingelogd als {0}",
        ["sign-out"] = "Uitloggen",
        ["none"] = "Er zijn geen afspraken gevonden voor dit adres.",
        ["upcoming"] = "Komend",
        ["past"] = "Voorbij en geannuleerd",
        ["no-upcoming"] = "Geen komende afspraken.",
        ["past-limited"] = "De laatste {0} worden getoond; de eigen pagina van het bedrijf heeft ze allemaal.",
        ["open-portal"] = "Open je account bij {0}",
        ["no-portal"] = "Dit bedrijf heeft geen klantportaal.",
        ["status-confirmed"] = "Bevestigd",
        ["status-pending"] = "Wacht op bevestiging",
        ["status-pending_payment"] = "Wacht op betaling",
        ["status-cancelled"] = "Geannuleerd",
        ["status-completed"] = "Afgerond",
        ["status-no_show"] = "Gemist",
        ["status-in_progress"] = "Bezig",
        ["mail-subject"] = "Je inloglink",
        ["mail-intro"] = "Iemand (hopelijk jij) wilde de afspraken zien die met dit adres zijn gemaakt.",
        ["mail-button"] = "Bekijk je afspraken",
        ["mail-ignore"] = "De link werkt één keer, 15 minuten lang. Heb je hier niet om gevraagd, dan kun je deze e-mail negeren.",
    });
}
