using Bookwell.Infrastructure;

namespace Bookwell.Features.WorkOrders;

/// <summary>The words of a booking's work order link on the dashboard.</summary>
public static class WorkOrderText
{
    public static readonly TextSet Words = new("work-order",
        new Dictionary<string, string>
        {
            ["title"] = "Work order",
            ["reference"] = "Number",
            ["url"] = "Address (optional)",
            ["hint"] = "The work order's number in your own system (ERP, field service tool), and its web address to open it from here. Clients never see it.",
            ["save"] = "Save work order",
            ["remove"] = "Remove work order",
            ["saved"] = "Work order {0} saved.",
            ["removed"] = "Work order removed.",
            ["bad-reference"] = "Enter the work order's number: at most 100 characters, without control characters.",
            ["bad-url"] = "The address must be a web address starting with http:// or https://.",
            ["none"] = "None",
        },
        new Dictionary<string, string>
        {
            ["title"] = "Werkorder",
            ["reference"] = "Nummer",
            ["url"] = "Adres (optioneel)",
            ["hint"] = "Het nummer van de werkorder in uw eigen systeem (ERP, planningssoftware) en het webadres om hem hiervandaan te openen. Klanten zien dit nooit.",
            ["save"] = "Werkorder opslaan",
            ["remove"] = "Werkorder verwijderen",
            ["saved"] = "Werkorder {0} opgeslagen.",
            ["removed"] = "Werkorder verwijderd.",
            ["bad-reference"] = "Vul het nummer van de werkorder in: hoogstens 100 tekens, zonder stuurtekens.",
            ["bad-url"] = "Het adres moet een webadres zijn dat begint met http:// of https://.",
            ["none"] = "Geen",
        });
}
