using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Notifications;

/// <summary>Each business as the sender its clients know, and the optional note after a no-show.</summary>
public abstract class FollowUpTests
{
    protected abstract Db Kind { get; }

    private async Task<BookwellApp> StartAsync(SmtpSink sink, bool followUp)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@platform.example";
        });
        var doc = Config();
        var settings = doc["pages"]![0]!["settings"]!;
        settings["notifyStaff"] = false;
        settings["ownerEmail"] = "owner@salon.example";
        settings["autoNoShowMinutes"] = 15;
        settings["noShowFollowUp"] = followUp;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    [Fact]
    public async Task ClientMail_ComesFromTheBusinessByName_RepliesGoToTheOwner()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink, followUp: false);
        await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00"));
        // The client's confirmation (the owner also gets a notice, which is not from the business).
        var mail = (await sink.WaitForAsync(2)).Single(m => m.To.Mailboxes.Single().Address == "ada@example.com");
        var from = mail.From.Mailboxes.Single();
        Assert.Equal(("Test Salon", "bookings@platform.example"), (from.Name, from.Address));
        Assert.Equal("owner@salon.example", mail.ReplyTo.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task AutomaticNoShow_SendsWeMissedYou_WithALinkToBookAgain_OnlyWhenAsked()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink, followUp: true);
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-01T10:00:00+01:00")));
        var confirmation = (await sink.WaitForAsync(2)).Single(m => m.To.Mailboxes.Single().Address == "ada@example.com");
        // The business's own address, as its confirmation links to the booking.
        var own = System.Text.RegularExpressions.Regex.Match(confirmation.TextBody!, @"(https?://[^\s/]+)/booking/").Groups[1].Value;
        Assert.NotEmpty(own);
        var rules = app.Services.GetServices<IHostedService>().OfType<TimeRulesWorker>().Single();
        app.Clock.Advance(Duration.FromHours(2) + Duration.FromMinutes(14));
        await rules.RunOnceAsync(CancellationToken.None);
        Assert.Equal("confirmed", (await Body(await app.Admin().GetAsync($"/api/v1/admin/bookings/{created["id"]}")))["status"]!.GetValue<string>());
        app.Clock.Advance(Duration.FromMinutes(1));
        await rules.RunOnceAsync(CancellationToken.None);
        Assert.Equal("no_show", (await Body(await app.Admin().GetAsync($"/api/v1/admin/bookings/{created["id"]}")))["status"]!.GetValue<string>());
        var mails = await sink.WaitForAsync(3);
        var note = Assert.Single(mails, m => m.Subject!.StartsWith("We missed you", StringComparison.Ordinal));
        Assert.Contains($"{own}/book/salon?service=haircut", note.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MovedOrResentFromTheDashboard_MailsCarryTheClientsOwnLink_WhichKeepsWorking()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink, followUp: false);
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00")));
        var token = created["manageToken"]!.GetValue<string>();
        await sink.WaitForAsync(2);
        var owner = WebSession.For(app);
        await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "olga@salon.example"), ("Password", "a long enough password"), ("SetupCode", BookwellApp.AdminKey));
        var id = created["id"]!.GetValue<string>();
        var moved = await owner.PostFormAsync("/admin/calendar?handler=Move", [new("id", id), new("date", "2027-03-02"), new("time", "14:00"), new("staff", "anna")], "/admin/calendar");
        Assert.Equal(HttpStatusCode.Redirect, moved.StatusCode);
        // Two booking mails, the owner's address check, then the client's and the owner's "moved" in any order.
        var mail = (await sink.WaitForAsync(5)).Single(m => m.Subject!.StartsWith("Booking moved", StringComparison.Ordinal) && m.To.Mailboxes.Single().Address == "ada@example.com");
        Assert.Contains($"/booking/{token}", mail.TextBody, StringComparison.Ordinal);
        await owner.PostFormAsync($"/admin/bookings/{id}?handler=Resend", [new("kind", "confirmation")], $"/admin/bookings/{id}");
        var resent = (await sink.WaitForAsync(6)).Last(m => m.Subject!.StartsWith("Booking confirmed", StringComparison.Ordinal));
        Assert.Contains($"/booking/{token}", resent.TextBody, StringComparison.Ordinal);
        Assert.Equal("confirmed", (await Body(await app.CreateClient().GetAsync($"/api/v1/bookings/{token}")))["status"]!.GetValue<string>());
        // The stored copy is sealed, not the token itself.
        Assert.DoesNotContain(token, app.WithDb(db => db.Bookings.Single().ManageTokenSealed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoShowMarkedByStaff_WithoutTheSetting_SendsNothing()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink, followUp: false);
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-01T10:00:00+01:00")));
        await sink.WaitForAsync(1);
        app.Clock.Advance(Duration.FromHours(2) + Duration.FromMinutes(5));
        await app.Admin().PostAsync($"/api/v1/admin/bookings/{created["id"]}/status", Json(new JsonObject { ["status"] = "no_show" }));
        Assert.Equal(0, app.WithDb(db => db.Outbox.Count(m => m.Kind == Bookwell.Features.Notifications.MessageKind.NoShow)));
    }
}

public sealed class SqliteFollowUpTests : FollowUpTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresFollowUpTests : FollowUpTests
{
    protected override Db Kind => Db.Postgres;
}
