using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Features.ApiDocs;
using Bookwell.Features.Availability;
using Bookwell.Features.BookingPage;
using Bookwell.Features.Bookings;
using Bookwell.Features.Calendars;
using Bookwell.Features.ClientPortal;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Bookwell.Features.Mcp;
using Bookwell.Features.Notifications;
using Bookwell.Features.Payments;
using Bookwell.Features.Series;
using Bookwell.Features.Staff;
using Bookwell.Features.Uploads;
using Bookwell.Features.Waitlist;
using Bookwell.Infrastructure;
using NodaTime;

var builder = WebApplication.CreateBuilder(args);
// The log levels of appsettings.json again, as defaults beneath every other source: that file is read from the content
// root (the working directory), so a node started from anywhere else logged each request's URL at Information, with the
// manage, waitlist and sign-in tokens in it. Operators still raise or lower any category through settings or variables.
builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
    },
});

builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiProblems.Customize);
builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteOptions>(o => o.SetParameterPolicy<ExactGuidRouteConstraint>("guid"));
builder.Services.AddExceptionHandler<Bookwell.Features.Bookings.BusyDatabaseHandler>();
builder.Services.AddOpenApi();
builder.Services.AddSingleton<IClock>(SystemClock.Instance);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddScoped<TenantContext>();
builder.Services.AddBookwellDatabase(builder.Configuration, builder.Environment);
builder.Services.AddSingleton<CatalogCache>();
builder.Services.AddSingleton<SqliteWriteGate>();
builder.Services.AddScoped<ConfigApplier>();
builder.Services.AddScoped<BookingWrite>();
builder.Services.AddSingleton<OverlapProbes>();
builder.Services.AddScoped<BookingCreator>();
builder.Services.AddScoped<BookingDrafts>();
builder.Services.AddScoped<BookingExtras>();
builder.Services.AddScoped<BookingLifecycle>();
// Singletons where nothing they hold is per request: each request resolves them at no cost and keeps its scope small.
builder.Services.AddSingleton<BookingMoney>();
builder.Services.AddScoped<Bookwell.Features.Admin.ClientErasure>();
builder.Services.AddScoped<Bookwell.Features.Series.SeriesCanceller>();
builder.Services.AddScoped<Bookwell.Features.Series.SeriesMover>();
builder.Services.AddScoped<Bookwell.Features.Series.SeriesCreator>();
builder.Services.AddScoped<Bookwell.Features.Insights.InsightsCalculator>();
builder.Services.AddScoped<BookingMessages>();
builder.Services.AddInvoices();
builder.Services.AddSingleton<TimeFreedEvents>();
builder.Services.AddSingleton<BusyIndex>();
builder.Services.AddScoped<WaitlistOfferer>();
builder.Services.AddScoped<WaitlistService>();
builder.Services.AddScoped<Bookwell.Features.Organizations.OrganizationAccess>();
builder.Services.AddSingleton<ITimeFreedListener, WaitlistListener>();
builder.Services.AddSingleton<BookingBatcher>();
builder.Services.AddSingleton<OutboxSignal>();
builder.Services.AddSingleton<TimeRulesWorker>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<TimeRulesWorker>());
builder.Services.AddSingleton<Bookwell.Features.Admin.ClientRetention>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<Bookwell.Features.Admin.ClientRetention>());
var smtp = SmtpOptions.Read(builder.Configuration);
if (smtp is not null)
{
    builder.Services.AddSingleton(smtp);
    builder.Services.AddSingleton<IEmailSender, SmtpEmailSender>();
}
var sms = SmsOptions.Read(builder.Configuration);
if (sms is not null)
{
    builder.Services.AddSingleton(sms);
    builder.Services.AddHttpClient("sms", c => c.Timeout = TimeSpan.FromSeconds(20));
    builder.Services.AddSingleton<ISmsSender>(sp =>
    {
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("sms");
        return sms.Provider == "twilio" ? new TwilioSmsSender(http, sms) : new HttpSmsSender(http, sms);
    });
}
// Always: webhooks (contract 4.7) go through the outbox too; the worker claims only the channels it can send.
builder.Services.AddSingleton<PushKeys>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<PushKeys>());
builder.Services.AddSingleton<WebPushSender>();
builder.Services.AddHostedService<OutboxWorker>();
builder.Services.AddSingleton(Bookwell.Features.Webhooks.WebhookOptions.Read(builder.Configuration));
builder.Services.AddSingleton<OutboundNetwork>();
builder.Services.AddSingleton<Bookwell.Features.Webhooks.WebhookSender>();
builder.Services.AddSingleton(CalendarOptions.Read(builder.Configuration));
builder.Services.AddSingleton<FeedFetcher>();
builder.Services.AddSingleton<CalendarSync>();
builder.Services.AddHostedService<CalendarSyncWorker>();
builder.Services.AddSingleton<ICalendarProvider, CalDavProvider>();
var oauthCalendars = new OAuthCalendarSettings(OAuthProviderOptions.Google(builder.Configuration), OAuthProviderOptions.Microsoft(builder.Configuration));
builder.Services.AddSingleton(oauthCalendars);
builder.Services.AddHttpClient("calendar-oauth", c => c.Timeout = TimeSpan.FromSeconds(20));
builder.Services.AddSingleton(sp => new OAuthClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("calendar-oauth"), sp.GetRequiredService<NodaTime.IClock>()));
if (oauthCalendars.Google is { } googleCalendar)
{
    builder.Services.AddSingleton<ICalendarProvider>(sp => new GoogleCalendarProvider(googleCalendar, sp.GetRequiredService<OAuthClient>()));
}
if (oauthCalendars.Microsoft is { } microsoftCalendar)
{
    builder.Services.AddSingleton<ICalendarProvider>(sp => new MicrosoftCalendarProvider(microsoftCalendar, sp.GetRequiredService<OAuthClient>()));
}
builder.Services.AddSingleton<CalendarConnections>();
builder.Services.AddHostedService<CalendarPushWorker>();
builder.Services.AddBookwellRateLimits(builder.Configuration);
// Issue 15: mobile services. A Nominatim-compatible geocoder when Bookwell__Geocoding__BaseUrl is set, behind a cache.
if (Bookwell.Features.Mobile.GeocodingOptions.Read(builder.Configuration) is { } geocoding)
{
    builder.Services.AddSingleton(geocoding);
    builder.Services.AddHttpClient("geocoding", c => c.Timeout = TimeSpan.FromSeconds(10));
    builder.Services.AddSingleton<Bookwell.Features.Mobile.IGeocoder>(sp => new Bookwell.Features.Mobile.CachingGeocoder(
        new Bookwell.Features.Mobile.NominatimGeocoder(sp.GetRequiredService<IHttpClientFactory>().CreateClient("geocoding"), geocoding),
        sp.GetRequiredService<TimeProvider>()));
}
builder.Services.AddSingleton(sp => new Bookwell.Features.Mobile.MobileLocator(sp.GetService<Bookwell.Features.Mobile.IGeocoder>()));
builder.Services.AddBookwellMcp();
builder.Services.AddBookwellAccounts();
builder.Services.AddClientPortal(builder.Configuration);
Bookwell.Features.Me.PlatformSignIn.AddMe(builder.Services);
string keyRing;
try
{
    keyRing = KeyRingProtection.Configure(builder.Services, builder.Configuration, builder.Environment);
    builder.Services.AddSingleton(WebPushOptions.Read(builder.Configuration));
    builder.Services.AddPayments(builder.Configuration);
    Bookwell.Features.Refunds.RefundEndpoints.AddRefunds(builder.Services, builder.Configuration);
}
catch (StartupException ex)
{
    await Console.Error.WriteLineAsync($"crit: {ex.Message}");
    return 1;
}
builder.Services.AddScoped<AccountService>();
CustomDomains.AddCustomDomains(builder.Services);
builder.Services.AddRazorPages(o =>
{
    o.RootDirectory = "/Features";
    o.Conventions.AuthorizeFolder("/Admin", Policies.Member);
    o.Conventions.AuthorizeFolder("/Staff", Policies.StaffApp);
    o.Conventions.AllowAnonymousToPage("/Staff/Login");
    o.Conventions.AuthorizeFolder("/ClientPortal", ClientPortalSetup.Policy);
    o.Conventions.AllowAnonymousToPage("/ClientPortal/SignIn");
    o.Conventions.AllowAnonymousToPage("/ClientPortal/Login");
    o.Conventions.AllowAnonymousToPage("/ClientPortal/Google");
    o.Conventions.AllowAnonymousToPage("/ClientPortal/GoogleDone");
});
builder.Services.AddBookwellLocalization();
builder.Services.AddCors(o => o.AddPolicy(PageEndpoints.PublicReads, p => p.AllowAnyOrigin().WithMethods("GET")));

if (builder.Configuration["Bookwell:TrustedProxies"] is { Length: > 0 } proxies)
{
    // Only then is X-Forwarded-For believed; otherwise the socket's address is the client's (rate limits, PIN lockout).
    builder.Services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
    {
        o.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
        o.KnownIPNetworks.Clear();
        o.KnownProxies.Clear();
        foreach (var proxy in proxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        }
    });
}

var app = builder.Build();
// The PDFs' fallback fonts are looked for now, so a missing one is said once at start (not at the first invoice).
_ = app.Services.GetRequiredService<Bookwell.Features.Invoices.PdfFonts>();
// How new manage tokens are sealed (an unknown value stops the start here, not at the first booking).
Bookwell.Features.Bookings.ManageTokens.Configure(app.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>(), app.Configuration);

try
{
    await DatabaseSetup.InitializeAsync(app.Services);
}
catch (StartupException ex)
{
    app.Logger.LogCritical("{Problem}", ex.Message);
    return 1;
}
// Issue 14: phone numbers stored before E.164 are converted once per database (a stored marker; safe to repeat until it is written).
try
{
    await Bookwell.Features.Bookings.StoredPhones.ConvertAsync(app.Services);
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // Never stops the start: the conversion is tried again at the next one (the exception's type only, no data).
    app.Logger.LogError("Converting stored phone numbers to E.164 failed: {Error}", ex.GetType().Name);
}
if (app.Configuration.GetValue("Bookwell:SeedDemo", true))
{
    await DemoSeed.SeedAsync(app.Services);
}

// Before routing (called here rather than implicitly first), so a HEAD is routed as the GET it asks about.
app.UseMiddleware<HeadRequestsMiddleware>();
app.UseRouting();
if (app.Configuration["Bookwell:TrustedProxies"] is { Length: > 0 })
{
    app.UseForwardedHeaders();
}
app.UseExceptionHandler();
if (!app.Environment.IsDevelopment())
{
    app.UseHsts();
}
app.UseMiddleware<SecurityHeadersMiddleware>();
app.UseMiddleware<FormLimitsMiddleware>();
app.UseMiddleware<StorableTextMiddleware>();
app.UseStatusCodePages(ApiProblems.StatusCodePages());
app.UseRequestLocalization();
app.UseMiddleware<TenantMiddleware>();
app.UsePortalSwitch();
app.UseCors();
app.UseMiddleware<Bookwell.Features.BookingPage.EmbedCorsMiddleware>();
app.UseRateLimiter();
// The admin API is authorised by its key (TenantMiddleware): a request that presents one has no use for the dashboard's
// cookie sessions, and reading them (a handler, its options and a ticket lookup per request) was a tenth of such a
// request's allocation. Its actor is the key (CrmAudit.ActorOf); everything else authenticates as before.
app.UseWhen(context => !TenantMiddleware.IsKeyedAdminRequest(context), branch => branch.UseAuthentication());
// UseWhen's branch writes to a copy of the app's properties, so the mark UseAuthentication leaves is set here too: without
// it WebApplication adds authentication a second time, first in the pipeline, before the tenant is known (the dashboard
// tests' form posts fail then).
((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
app.UseAuthorization();

app.MapOpenApi();
app.MapApiDocs();
var api = app.MapGroup("/api/v1");
api.MapPages();
api.MapBookings();
api.MapSeries();
api.MapWaitlist();
api.MapUploads();
api.MapClientPortal();
api.MapPayments();
var admin = api.MapGroup("/admin").RequireAdmin();
admin.MapConfiguration();
admin.MapAdminBookings();
Bookwell.Features.WorkOrders.WorkOrderEndpoints.MapWorkOrders(admin);
admin.MapAdminCustomers();
admin.MapAdminSeries();
admin.MapInvoices();
Bookwell.Features.Refunds.RefundEndpoints.MapRefunds(admin);
admin.MapAdminUploads();
admin.MapOutbox();
admin.MapCalendarsAdmin();
Bookwell.Features.Webhooks.WebhookEndpoints.MapWebhooks(admin);
Bookwell.Features.Insights.InsightsEndpoints.MapInsights(admin);
Bookwell.Features.Classes.ClassEndpoints.MapClasses(admin);
Bookwell.Features.Organizations.OrganizationEndpoints.MapOrganizations(admin);
Bookwell.Features.Organizations.MailingEndpoints.MapMailings(admin);
app.MapRazorPages();
app.MapScripts();
app.MapStaffApp();
app.MapPortalPush();
app.MapCalendarFeeds();
Bookwell.Features.Organizations.MailingTracking.MapMailingTracking(app);
app.MapBookwellMcp();
app.MapGet("/", async (BookwellDb db, CatalogCache cache, CancellationToken ct) =>
    (await cache.GetAsync(db, ct)).Pages.Keys.FirstOrDefault() is { } slug ? Results.Redirect($"/book/{slug}") : Results.NotFound())
    .ExcludeFromDescription();

app.Logger.LogInformation("{KeyRing}", keyRing);
var setupLine = await app.Services.GetRequiredService<SetupCodes>().StartupLineAsync(app.Services);
app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var address in app.Urls)
    {
        var url = address.Replace("0.0.0.0", "localhost", StringComparison.Ordinal);
        app.Logger.LogInformation("Bookwell is running. Booking page: {BookingPage} · Dashboard: {Dashboard} · Staff: {Staff}",
            $"{url}/book/{DemoSeed.Slug}", $"{url}/admin", $"{url}/staff");
    }
    if (setupLine is not null)
    {
        // The one place the first-owner code is ever shown: whoever reads the server's log may claim the business.
        var links = app.Services.GetRequiredService<TenantLinks>();
        app.Logger.LogInformation("The business has no owner yet. Set up: {SetupLink}", setupLine(links.InstallBaseUrl ?? links.FallbackBaseUrl));
    }
});

await app.RunAsync();
return 0;

public partial class Program;
