using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Configuration;

/// <summary>
/// The demo salon a fresh installation opens with: three services (one a group class), three staff with
/// different hours, two chairs and a room, weekly hours and a holiday.
/// </summary>
public static class DemoSeed
{
    public const string Slug = "demo-salon";

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var tenant = await db.Tenants.AsNoTracking().FirstAsync(t => t.Id == DefaultTenant.Id, ct);
        if (tenant.ConfigVersion > 0)
        {
            return;
        }
        var today = scope.ServiceProvider.GetRequiredService<IClock>().GetCurrentInstant().InUtc().Date;
        var result = await scope.ServiceProvider.GetRequiredService<ConfigApplier>().ApplyAsync(Document(today), ct);
        if (result.Errors.Any)
        {
            throw new InvalidOperationException("The demo document is invalid: " + string.Join("; ", result.Errors.ToDictionary().Select(kv => $"{kv.Key}: {kv.Value[0]}")));
        }
        await db.Tenants.Where(t => t.Id == DefaultTenant.Id && t.Name == "Default").ExecuteUpdateAsync(s => s.SetProperty(t => t.Name, "Demo Salon"), ct);
    }

    private static readonly string[] Clients = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov"];

    /// <summary>
    /// A few sample bookings over the next days, so the new owner's calendar and lists have something to show.
    /// Added when the owner of the demo business first signs up (never at start-up, so an API client of a
    /// fresh install sees only its own bookings); they go through the normal validation and writer, no e-mail.
    /// </summary>
    public static async Task SeedBookingsAsync(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<BookwellDb>();
        // Once per business, whatever was booked before the owner arrived (an API client's test bookings must
        // not hide the samples).
        if (await db.BookingEvents.AnyAsync(e => e.By == "demo", ct) || !(await services.GetRequiredService<CatalogCache>().GetAsync(db, ct)).Pages.ContainsKey(Slug))
        {
            return;
        }
        var clock = services.GetRequiredService<IClock>();
        var writer = services.GetRequiredService<Bookings.BookingCreator>();
        var page = (await services.GetRequiredService<CatalogCache>().GetAsync(db, ct)).Pages[Slug];
        var today = clock.GetCurrentInstant().InZone(page.Zone).Date;
        var n = 0;
        foreach (var serviceKey in new[] { "haircut", "colour" })
        {
            var service = page.Services[serviceKey];
            var slots = await Availability.AvailabilityLoader.FindSlotsAsync(db, page, service, null, null, page.Zone, today, today.PlusDays(3), clock.GetCurrentInstant(), ct);
            // Every fifth free start, so the day keeps free time around the bookings.
            foreach (var slot in slots.Where((_, i) => i % 5 == 2).Take(4))
            {
                var name = Clients[n++ % Clients.Length];
                var request = new Bookings.BookingRequest
                {
                    Page = Slug,
                    Service = serviceKey,
                    Start = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Format(slot.Start.InZone(page.Zone).ToOffsetDateTime()),
                    Customer = new Bookings.CustomerInput { Name = name, Email = name.ToLowerInvariant().Replace(' ', '.') + "@example.com" },
                    Answers = serviceKey == "haircut" ? new() { ["hairLength"] = System.Text.Json.JsonSerializer.SerializeToElement("medium") } : [],
                };
                var valid = Bookings.BookingValidation.Validate(request, page, new Infrastructure.Errors(), admin: true);
                if (valid is not null)
                {
                    await writer.CreateAsync(valid, "demo", null, ct);
                }
            }
        }
    }

    public static ConfigDocument Document(LocalDate today)
    {
        static List<List<string>> H(params string[] r) => r.Select(x => new List<string> { x[..5], x[6..] }).ToList();
        var christmas = new LocalDate(today.Month == 12 && today.Day > 26 ? today.Year + 1 : today.Year, 12, 25);
        var newYear = new LocalDate(christmas.Year + 1, 1, 1);
        return new ConfigDocument
        {
            Pages =
            [
                new PageDoc
                {
                    Slug = Slug,
                    Name = "Demo Salon",
                    Description = "Cuts, colour and a weekly yoga class in the city centre",
                    TimeZone = "Europe/Amsterdam",
                    Location = new LocationDoc { Mode = "in-person", Details = "Main street 1, Utrecht" },
                    Branding = new BrandingDoc
                    {
                        Theme = "ocean", AccentColor = "#0E7490", HeroTitle = "Book your visit",
                        HeroDescription = "Pick a service and a time that suits you.", ConfirmationMessage = "See you soon!",
                    },
                    Settings = new SettingsDoc
                    {
                        HorizonDays = 30, SlotIntervalMinutes = 30, BufferMinutes = 0, MinNoticeMinutes = 60,
                        AllowedDays = ["mon", "tue", "wed", "thu", "fri", "sat"], TermsRequired = false,
                    },
                    Schedule = new()
                    {
                        ["mon"] = H("09:00-12:00", "13:00-17:30"), ["tue"] = H("09:00-12:00", "13:00-17:30"),
                        ["wed"] = H("09:00-12:00", "13:00-17:30"), ["thu"] = H("09:00-12:00", "13:00-21:00"),
                        ["fri"] = H("09:00-12:00", "13:00-17:30"), ["sat"] = H("10:00-16:00"),
                    },
                    Exceptions =
                    [
                        new ExceptionDoc { Date = christmas.ToString("yyyy-MM-dd", null), Closed = true },
                        new ExceptionDoc { Date = christmas.PlusDays(-1).ToString("yyyy-MM-dd", null), Hours = H("09:00-13:00") },
                        new ExceptionDoc { Date = newYear.ToString("yyyy-MM-dd", null), Closed = true },
                    ],
                    Services =
                    [
                        new ServiceDoc
                        {
                            Key = "haircut", Name = "Haircut", Description = "Wash, cut and style", DurationMinutes = 30,
                            Price = new MoneyDoc { Amount = 25.00m, Currency = "EUR" }, Payment = "none", BufferAfterMinutes = 10,
                            SlotIntervalMinutes = 15, ResourceTypes = ["chair"],
                            Fields = [new FieldDoc { Key = "hairLength", Label = "Hair length", Type = "choice", Options = ["short", "medium", "long"], Required = true }],
                        },
                        new ServiceDoc
                        {
                            Key = "colour", Name = "Colour", Description = "Full colour with a consultation", DurationMinutes = 90,
                            Price = new MoneyDoc { Amount = 80.00m, Currency = "EUR" }, Payment = "invoice", BufferBeforeMinutes = 10,
                            BufferAfterMinutes = 15, ResourceTypes = ["chair"],
                            Fields = [new FieldDoc { Key = "allergies", Label = "Allergies we should know about", Type = "text", Required = false }],
                        },
                        new ServiceDoc
                        {
                            Key = "yoga", Name = "Yoga class", Description = "An hour of gentle yoga, up to 8 people", DurationMinutes = 60,
                            Price = new MoneyDoc { Amount = 12.50m, Currency = "EUR" }, Payment = "none", Capacity = 8,
                            SlotIntervalMinutes = 60, ResourceTypes = ["room"],
                        },
                    ],
                    Staff =
                    [
                        new StaffDoc { Key = "anna", Name = "Anna", Email = "anna@example.com", Services = ["haircut", "colour"],
                            Schedule = new() { ["mon"] = H("09:00-17:30"), ["tue"] = H("09:00-17:30"), ["wed"] = H("09:00-17:30"), ["fri"] = H("09:00-17:30") } },
                        new StaffDoc { Key = "ben", Name = "Ben", Email = "ben@example.com", Services = ["haircut"],
                            Schedule = new() { ["tue"] = H("12:00-21:00"), ["wed"] = H("12:00-21:00"), ["thu"] = H("12:00-21:00"), ["sat"] = H("10:00-16:00") } },
                        new StaffDoc { Key = "chloe", Name = "Chloé", Email = "chloe@example.com", Services = ["colour", "yoga"],
                            Schedule = new() { ["mon"] = H("13:00-17:30"), ["thu"] = H("09:00-21:00"), ["sat"] = H("10:00-16:00") } },
                    ],
                    Resources =
                    [
                        new ResourceDoc { Key = "chair-1", Type = "chair", Name = "Chair 1", Capacity = 1 },
                        new ResourceDoc { Key = "chair-2", Type = "chair", Name = "Chair 2", Capacity = 1 },
                        new ResourceDoc { Key = "studio", Type = "room", Name = "Studio", Capacity = 1 },
                    ],
                },
            ],
        };
    }
}
