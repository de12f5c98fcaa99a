using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Security;

/// <summary>Names, e-mail addresses and phone numbers are held to one rule wherever they are accepted.</summary>
public sealed class ContactValidationTests(ContactValidationTests.ConfiguredApp shared) : IClassFixture<ContactValidationTests.ConfiguredApp>
{
    /// <summary>One configured app for the table: validation reads no state, and each case leaves none.</summary>
    public sealed class ConfiguredApp : IAsyncLifetime
    {
        public BookwellApp App { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Db.Sqlite);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private const string Tue10 = "2027-03-02T10:00:00+01:00";

    public static TheoryData<string, string> Refused => new()
    {
        { "name", "Ada \u202EecalevoL" },
        { "name", "Ada \u202ALovelace" },
        { "name", "Ada \u202BLovelace" },
        { "name", "Ada \u202CLovelace" },
        { "name", "Ada \u202DLovelace" },
        { "name", "Ada \u2066Lovelace\u2069" },
        { "name", "Ada \u2067Lovelace" },
        { "name", "Ada \u2068Lovelace" },
        { "name", "Ada\u0000Lovelace" },
        { "name", "Ada\nBcc: x@evil.test" },
        { "name", "Ada\rLovelace" },
        { "name", "Ada\tLovelace" },
        { "name", "Ada\u007FLovelace" },
        { "name", "Ada\u0085Lovelace" },
        { "name", "Ada\u2028Lovelace" },
        { "phone", "+1 ((((((" },
        { "phone", "+31 ------" },
        { "phone", "12" },
        { "phone", "+999 1234567" },
        { "email", "a@[127.0.0.1]" },
        { "email", "a@-example.test" },
        { "email", "a@example-.test" },
        { "email", "a@example" },
        { "email", "a@127.0.0.1" },
        { "email", "a@example..test" },
        { "email", ".a@example.test" },
        { "email", "a..b@example.test" },
        { "email", "\"a b\"@example.test" },
        { "email", "a(comment)@example.test" },
        { "email", "a@b@example.test" },
        { "email", new string('a', 65) + "@example.test" },
        { "email", "a@" + new string('b', 64) + ".test" },
        { "email", "a@example.test\u202E" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task BookingApi_RefusesBadContactDetails_WithAFieldError(string field, string value)
    {
        var app = shared.App;
        var body = Booking(Tue10);
        body["customer"]![field] = value;
        var response = await Book(app.CreateClient(), body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.Equal([$"customer.{field}"], errors.Select(kv => kv.Key).ToArray());
        Assert.False(app.WithDb(db => db.Bookings.Any(b => b.CustomerName == value || b.CustomerEmail == value || b.CustomerPhone == value)));
    }

    private static readonly string[] Accepted =
    [
        "José Ñúñez-O'Brien", "محمد علي", "李小龙", "+31 (0)6-1234 5678", "06 12345678", "+1 415 555 2671",
        "ada.lovelace+salon@mail.example.co.uk", "o'brien@xn--bcher-kva.example", "ada@bücher.example",
    ];

    [Theory]
    [InlineData("name", "José Ñúñez-O'Brien")]
    [InlineData("name", "محمد علي")]
    [InlineData("name", "李小龙")]
    [InlineData("phone", "+31 (0)6-1234 5678")]
    [InlineData("phone", "06 12345678")]
    [InlineData("phone", "+1 415 555 2671")]
    [InlineData("email", "ada.lovelace+salon@mail.example.co.uk")]
    [InlineData("email", "o'brien@xn--bcher-kva.example")]
    [InlineData("email", "ada@bücher.example")]
    public async Task BookingApi_AcceptsOrdinaryContactDetails(string field, string value)
    {
        var app = shared.App;
        // Each accepted case books its own hour, so no case takes another's slot.
        var i = Array.IndexOf(Accepted, value);
        var body = Booking($"2027-03-03T{9 + (i / 2):00}:{i % 2 * 30:00}:00+01:00", email: field == "email" ? value : $"c{i}@example.com");
        body["customer"]![field] = value;
        var response = await Book(app.CreateClient(), body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StaffInConfiguration_SameRules()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["name"] = "Anna\u202E";
        doc["pages"]![0]!["staff"]![1]!["email"] = "bob@[127.0.0.1]";
        var response = await PutConfig(app.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("pages[0].staff[0].name"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("pages[0].staff[1].email"), errors.ToJsonString());
    }

    [Fact]
    public async Task SignUp_SameRules()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        var response = await WebSession.For(app).PostFormAsync("/signup", ("BusinessName", "Acme\u2066"), ("Subdomain", "acme"), ("Name", "Olga\u0007"),
            ("Email", "olga@[127.0.0.1]"), ("Password", "a long enough password"));
        var html = await WebSession.TextAsync(response);
        foreach (var field in new[] { "BusinessName", "Name", "Email" })
        {
            Assert.Contains($"id=\"{field}-error\"", html, StringComparison.Ordinal);
        }
        Assert.Equal(0, app.WithDb(db => db.Users.Count()));
    }
}
