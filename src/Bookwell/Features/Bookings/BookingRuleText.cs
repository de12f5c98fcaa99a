using Bookwell.Infrastructure;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The booking rules' field messages, written in English where they are checked (the API answers in English)
/// and looked up by that English for the booking page and the staff app, which show them in the visitor's language.
/// A test reads every literal passed to <c>M(...)</c> in <see cref="BookingValidation"/> and checks that Dutch has it.
/// </summary>
public static class BookingRuleText
{
    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Required: the key of a service on this page."] = "Verplicht: de sleutel van een dienst op deze pagina.",
        ["No active service '{0}' on this page."] = "Geen actieve dienst '{0}' op deze pagina.",
        ["'{0}' cannot be booked online; please contact the business to book it."] = "'{0}' kan niet online worden geboekt; neem contact op met de zaak om het te boeken.",
        ["Required: the slot start as ISO-8601 with an offset."] = "Verplicht: het begin van de tijd als ISO-8601 met een tijdverschil.",
        ["Must be ISO-8601 with an offset, such as 2027-03-29T09:00:00+02:00, {0}."] = "Moet ISO-8601 met een tijdverschil zijn, zoals 2027-03-29T09:00:00+02:00, {0}.",
        ["Must be an IANA time zone id such as Europe/Amsterdam."] = "Moet een IANA-tijdzone zijn, zoals Europe/Amsterdam.",
        ["No active branch '{0}' on this page."] = "Geen actieve vestiging '{0}' op deze pagina.",
        ["'{0}' does not offer this service."] = "'{0}' biedt deze dienst niet aan.",
        ["Only operators choose resources."] = "Alleen beheerders kiezen middelen.",
        ["Must not contain null."] = "Mag geen null bevatten.",
        ["Unknown resource '{0}'."] = "Onbekend middel '{0}'.",
        ["Required: name and e-mail address."] = "Verplicht: naam en e-mailadres.",
        ["Required."] = "Verplicht.",
        ["At most {0} characters."] = "Hoogstens {0} tekens.",
        // ContactRules' messages, which reach the booking form already written out.
        ["At most 200 characters."] = "Hoogstens 200 tekens.",
        [ContactRules.NameMessage] = "Mag geen stuurtekens of tekens voor tekstrichting bevatten.",
        [ContactRules.EmailMessage] = "Moet een e-mailadres zijn, zoals ada@example.com.",
        [ContactRules.PhoneMessage] = "Moet een telefoonnummer zijn, zoals +31600000000.",
        ["The terms must be accepted to book."] = "Om te boeken moet u de voorwaarden accepteren.",
        ["Required: where we should come to."] = "Verplicht: waar wij naartoe moeten komen.",
        ["We could not find this address. Check it, or give its latitude and longitude."] = "We konden dit adres niet vinden. Controleer het, of geef de breedtegraad en lengtegraad op.",
        ["We cannot look up addresses right now. Try again shortly, or give its latitude and longitude."] = "We kunnen nu geen adressen opzoeken. Probeer het zo weer, of geef de breedtegraad en lengtegraad op.",
        ["This address is outside our service area."] = "Dit adres ligt buiten ons werkgebied.",
        ["Must be onsite or mobile."] = "Moet onsite of mobile zijn.",
        ["A visit of several services takes place at the business, not at the client's address."] = "Een bezoek met meerdere diensten vindt plaats bij het bedrijf, niet op het adres van de klant.",
        ["Give both latitude and longitude, or neither."] = "Geef zowel breedtegraad als lengtegraad op, of geen van beide.",
        ["Must be between -90 and 90."] = "Moet tussen -90 en 90 liggen.",
        ["Must be between -180 and 180."] = "Moet tussen -180 en 180 liggen.",
        ["Unknown field for this service."] = "Onbekend veld voor deze dienst.",
        ["'{0}' is required."] = "'{0}' is verplicht.",
        ["Must be valid Unicode text."] = "Moet geldige Unicode-tekst zijn.",
        ["Must be the id returned by the upload endpoint."] = "Moet de id zijn die het uploadadres teruggaf.",
        ["Must be text."] = "Moet tekst zijn.",
        ["Must be a number."] = "Moet een getal zijn.",
        ["Must be one of: {0}."] = "Moet een van deze zijn: {0}.",
        ["Must be a list drawn from: {0}."] = "Moet een lijst zijn met keuzes uit: {0}.",
        ["'{0}' needs at least one choice."] = "Kies bij '{0}' minstens één optie.",
        ["Must be true or false."] = "Moet true of false zijn.",
        ["'{0}' must be ticked."] = "'{0}' moet aangevinkt zijn.",
        ["Must be a date as YYYY-MM-DD."] = "Moet een datum zijn als JJJJ-MM-DD.",
        ["No such upload for this page (or it belongs to another booking)."] = "Dit bestand hoort niet bij deze pagina (of bij een andere afspraak).",
        // A member's reschedule outside the organization's time slots (OrganizationBookings.OutsideSlots, SeriesRescheduling.OutsideSlots).
        ["Outside the dates of {0} ({1} to {2}); this booking can only move to one of its time slots."] =
            "Buiten de datums van {0} ({1} tot {2}); deze afspraak kan alleen naar een van de tijdsloten worden verzet.",
        ["Not within a time slot of {0}; this booking can only move to one of its time slots."] =
            "Niet binnen een tijdslot van {0}; deze afspraak kan alleen naar een van de tijdsloten worden verzet.",
        ["Occurrence {0} (to {1}): {2}"] = "Datum {0} (naar {1}): {2}",
    };

    /// <summary>Declared after its dictionary: statics initialise in order.</summary>
    public static readonly TextSet Words = TextSet.EnglishKeyed("booking-rules", Dutch);
}
