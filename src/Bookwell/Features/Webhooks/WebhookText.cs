using Bookwell.Infrastructure;

namespace Bookwell.Features.Webhooks;

/// <summary>The webhooks page's words.</summary>
public static class WebhookText
{
    public static readonly IReadOnlyDictionary<string, string> English = new Dictionary<string, string>
    {
        ["nav"] = "Webhooks",
        ["title"] = "Webhooks",
        ["intro"] = "Bookwell tells your other systems what happens: each event is sent as a signed JSON POST (Standard Webhooks) to the addresses below, and retried with increasing waits until the address answers with a 2xx status.",
        ["endpoints"] = "Endpoints",
        ["no-endpoints"] = "No endpoints yet.",
        ["url"] = "Address (URL)",
        ["events"] = "Events",
        ["remove"] = "Remove",
        ["removed"] = "The endpoint was removed.",
        ["add"] = "Add an endpoint",
        ["secret"] = "Signing secret (optional)",
        ["secret-hint"] = "whsec_ followed by 24 to 64 random bytes in base64. Leave empty and Bookwell makes one and shows it once.",
        ["save"] = "Add endpoint",
        ["added"] = "The endpoint was added.",
        ["added-secret"] = "The endpoint was added. Its signing secret, shown only now: {0}",
        ["not-added"] = "The endpoint was not added: {0}",
        ["test"] = "Send a test event",
        ["test-hint"] = "Sends a webhook.test event to every endpoint now.",
        ["test-sent"] = "A test event was queued for {0} endpoint(s).",
        ["test-none"] = "There is no endpoint to send to.",
        ["deliveries"] = "Recent deliveries",
        ["no-deliveries"] = "Nothing sent yet.",
        ["when"] = "Queued",
        ["event"] = "Event",
        ["status"] = "Status",
        ["attempts"] = "Attempts",
        ["last-error"] = "Last error",
        ["status-queued"] = "Waiting",
        ["status-sent"] = "Delivered",
        ["status-parked"] = "Gave up",
        ["status-withdrawn"] = "Withdrawn",
        ["removed-endpoint"] = "(removed)",
    };

    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>
    {
        ["nav"] = "Webhooks",
        ["title"] = "Webhooks",
        ["intro"] = "Bookwell laat je andere systemen weten wat er gebeurt: elke gebeurtenis gaat als ondertekende JSON-POST (Standard Webhooks) naar de adressen hieronder, en wordt met steeds langere pauzes opnieuw verstuurd tot het adres met een 2xx-status antwoordt.",
        ["endpoints"] = "Adressen",
        ["no-endpoints"] = "Nog geen adressen.",
        ["url"] = "Adres (URL)",
        ["events"] = "Gebeurtenissen",
        ["remove"] = "Verwijderen",
        ["removed"] = "Het adres is verwijderd.",
        ["add"] = "Adres toevoegen",
        ["secret"] = "Ondertekeningsgeheim (optioneel)",
        ["secret-hint"] = "whsec_ gevolgd door 24 tot 64 willekeurige bytes in base64. Laat het leeg en Bookwell maakt er een en toont het één keer.",
        ["save"] = "Adres toevoegen",
        ["added"] = "Het adres is toegevoegd.",
        ["added-secret"] = "Het adres is toegevoegd. Het ondertekeningsgeheim, alleen nu zichtbaar: {0}",
        ["not-added"] = "Het adres is niet toegevoegd: {0}",
        ["test"] = "Testbericht versturen",
        ["test-hint"] = "Verstuurt nu een webhook.test-bericht naar elk adres.",
        ["test-sent"] = "Er staat een testbericht klaar voor {0} adres(sen).",
        ["test-none"] = "Er is geen adres om naartoe te sturen.",
        ["deliveries"] = "Recente verzendingen",
        ["no-deliveries"] = "Nog niets verstuurd.",
        ["when"] = "Klaargezet",
        ["event"] = "Gebeurtenis",
        ["status"] = "Status",
        ["attempts"] = "Pogingen",
        ["last-error"] = "Laatste fout",
        ["status-queued"] = "Wacht",
        ["status-sent"] = "Afgeleverd",
        ["status-parked"] = "Opgegeven",
        ["status-withdrawn"] = "Ingetrokken",
        ["removed-endpoint"] = "(verwijderd)",
    };

    public static readonly TextSet Words = new("webhooks", English, Dutch);
}
