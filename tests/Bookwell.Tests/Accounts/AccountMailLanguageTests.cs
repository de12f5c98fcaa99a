using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Bookwell.Tests.Infrastructure;
using MimeKit;

namespace Bookwell.Tests.Accounts;

/// <summary>Account e-mails are written in the language of the request that caused them, as delivered over SMTP.</summary>
public sealed partial class AccountMailLanguageTests
{
    [GeneratedRegex(@"(/admin/verify\?[^\s""<]+)")]
    private static partial Regex VerifyLink();

    private static MimeMessage To(IEnumerable<MimeMessage> mails, string address, string kindWord) =>
        Assert.Single(mails, m => m.To.Mailboxes.Single().Address == address && m.TextBody!.Contains(kindWord, StringComparison.Ordinal));

    [Fact]
    public async Task DutchRequests_GetDutchAccountMails_EnglishRequestsKeepTheEnglishWords()
    {
        using var sink = SmtpSink.Start();
        await using var app = await BookwellApp.StartAsync(Db.Sqlite, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "accounts@bookwell.example";
        });
        var dutch = WebSession.For(app);
        dutch.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        Assert.Equal(HttpStatusCode.OK, (await dutch.PostFormAsync("/signup", ("BusinessName", "Kapsalon Els"), ("Subdomain", "els"),
            ("Name", "Els de Vries"), ("Email", "els@kapsalon.test"), ("Password", AccountTests.Password))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WebSession.For(app).PostFormAsync("/signup", ("BusinessName", "Acme"), ("Subdomain", "acme"),
            ("Name", "Olga Owner"), ("Email", "owner@acme.test"), ("Password", AccountTests.Password))).StatusCode);

        var mails = await sink.WaitForAsync(2);
        var verify = To(mails, "els@kapsalon.test", "/admin/verify");
        Assert.Equal("Bevestig uw e-mailadres voor Bookwell", verify.Subject);
        Assert.Contains("Beste Els de Vries, bevestig alstublieft dat dit uw e-mailadres is.", verify.TextBody, StringComparison.Ordinal);
        Assert.Contains("Mijn adres bevestigen", verify.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"nl\">", verify.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Heeft u hier niet om gevraagd", verify.TextBody, StringComparison.Ordinal);

        // The same mail from an English request keeps today's words exactly.
        var english = To(mails, "owner@acme.test", "/admin/verify");
        Assert.Equal("Confirm your e-mail address for Bookwell", english.Subject);
        Assert.Contains("Hello Olga Owner, please confirm that this is your e-mail address.\n\nConfirm my address: https://acme.localhost/admin/verify?",
            english.TextBody!.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("If you did not ask for this, you can ignore this e-mail.", english.TextBody, StringComparison.Ordinal);

        // A password reset asked for in Dutch, on the business's own host.
        var els = WebSession.For(app, "els.localhost");
        els.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        await els.PostFormAsync("/admin/forgot", ("Email", "els@kapsalon.test"));
        var reset = To(await sink.WaitForAsync(3), "els@kapsalon.test", "/admin/reset");
        Assert.Equal("Uw Bookwell-wachtwoord opnieuw instellen", reset.Subject);
        Assert.Contains("Een nieuw wachtwoord kiezen: https://els.localhost/admin/reset?", reset.TextBody, StringComparison.Ordinal);

        // An invitation sent from the dashboard in Dutch names the role in Dutch too.
        Assert.Contains("bevestigd", await els.GetAsync(WebUtility.HtmlDecode(VerifyLink().Match(verify.TextBody!).Groups[1].Value)), StringComparison.Ordinal);
        Assert.Equal("/admin", (await els.LoginAsync("els@kapsalon.test", AccountTests.Password)).Headers.Location?.OriginalString);
        var invited = await els.PostFormAsync("/admin/team?handler=Invite",
            [KeyValuePair.Create("Email", "sanne@kapsalon.test"), KeyValuePair.Create("Role", "admin"), KeyValuePair.Create("StaffKey", "")], "/admin/team");
        Assert.Equal(HttpStatusCode.Redirect, invited.StatusCode);
        var invite = To(await sink.WaitForAsync(4), "sanne@kapsalon.test", "/admin/invite");
        Assert.Equal("U bent uitgenodigd voor Kapsalon Els op Bookwell", invite.Subject);
        Assert.Contains("Els de Vries heeft u uitgenodigd om als beheerder mee te doen met Kapsalon Els op Bookwell.", invite.TextBody, StringComparison.Ordinal);
    }
}
