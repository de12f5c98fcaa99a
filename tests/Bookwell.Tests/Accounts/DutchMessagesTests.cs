using System.Globalization;
using System.Net;
using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Tests.Infrastructure;

namespace Bookwell.Tests.Accounts;

/// <summary>Identity's own refusals and the dashboards' messages with values inside reach a Dutch visitor in Dutch.</summary>
public abstract class DutchMessagesTests
{
    protected abstract Db Kind { get; }

    [Fact]
    public async Task DutchSignUp_WeakPassword_GetsIdentitysRefusalInDutch_NothingCreated()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var tenants = app.WithDb(db => db.Tenants.Count());
        var dutch = WebSession.For(app);
        dutch.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        // Long enough for the form's own check, so Identity's password rules decide.
        var response = await dutch.PostFormAsync("/signup", ("BusinessName", "Kapsalon Els"), ("Subdomain", "els"),
            ("Name", "Els de Vries"), ("Email", "els@kapsalon.test"), ("Password", "aaaaabbbbb"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await WebSession.TextAsync(response);
        Assert.Contains("Gebruik minstens 5 verschillende tekens.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Passwords must", html, StringComparison.Ordinal);
        Assert.Equal(tenants, app.WithDb(db => db.Tenants.Count()));
        Assert.Equal(0, app.WithDb(db => db.Users.Count()));

        // The same in English says it in English, in our words.
        var english = await WebSession.TextAsync(await WebSession.For(app).PostFormAsync("/signup", ("BusinessName", "Acme"), ("Subdomain", "acme"),
            ("Name", "Olga Owner"), ("Email", "owner@acme.test"), ("Password", "aaaaabbbbb")));
        Assert.Contains("Use at least 5 different characters.", english, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentityErrors_FollowTheUiCulture()
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo("nl");
            var errors = new LocalizedIdentityErrors();
            Assert.Equal("Deze link is niet geldig of verlopen. Vraag een nieuwe aan.", errors.InvalidToken().Description);
            Assert.Equal("Er bestaat al een account met de gebruikersnaam 'a@b.test'.", errors.DuplicateUserName("a@b.test").Description);
            Assert.Equal("DuplicateUserName", errors.DuplicateUserName("a@b.test").Code);
            CultureInfo.CurrentUICulture = new CultureInfo("en");
            Assert.Equal("This link is not valid or has expired. Ask for a new one.", new LocalizedIdentityErrors().InvalidToken().Description);
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void DashboardMessages_WithValuesInside_AreFoundByTheirTemplate()
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo("nl");
            Assert.Equal("Hoogstens 300 tekens.", AdminText.L("At most 300 characters."));
            Assert.Equal("Moet tussen 5 en 480 liggen.", AdminText.L("Must be between 5 and 480."));
            Assert.Equal("Onbekende dienst 'kleuren'.", AdminText.L("Unknown service 'kleuren'."));
            Assert.Equal("Geen geldige JSON: 'x' is an invalid start of a value.", AdminText.L("Not valid JSON: 'x' is an invalid start of a value."));
            // Exact texts still win, and an unknown text is shown as written.
            Assert.Equal("Hoogstens 200 tekens.", AdminText.L("At most 200 characters."));
            Assert.Equal("Something new", AdminText.L("Something new"));
            CultureInfo.CurrentUICulture = new CultureInfo("en");
            Assert.Equal("At most 300 characters.", AdminText.L("At most 300 characters."));
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}

public sealed class SqliteDutchMessagesTests : DutchMessagesTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresDutchMessagesTests : DutchMessagesTests
{
    protected override Db Kind => Db.Postgres;
}
