using System.Net;
using System.Xml;
using System.Xml.Linq;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Security;

/// <summary>
/// New data-protection keys are AES-256-GCM (half the cost of a seal). Installs already hold AES-256-CBC keys, and the
/// manage tokens, cookies and reset links sealed under them: those must still open after the switch, and nodes of both
/// versions share one key ring during a rolling upgrade.
/// </summary>
public abstract class KeyRingAlgorithmTests
{
    protected abstract Db Kind { get; }

    /// <summary>The configuration before the switch: the framework's default algorithm, AES-256-CBC with HMACSHA256.</summary>
    private static void BeforeTheSwitch(IServiceCollection services) =>
        services.AddDataProtection().UseCryptographicAlgorithms(new AuthenticatedEncryptorConfiguration());

    private sealed record StoredKey(Guid Id, string Algorithm);

    /// <summary>The keys as the shared ring holds them in the database (each names its algorithm in clear; its secret is encrypted).</summary>
    private static List<StoredKey> Keys(BookwellApp app) => app.WithDb(db => db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToList())
        .Select(XElement.Parse)
        .Where(x => x.Name == "key")
        .Select(x => new StoredKey(Guid.Parse(x.Attribute("id")!.Value), x.Descendants("encryption").Single().Attribute("algorithm")!.Value))
        .ToList();

    /// <summary>
    /// The key a protected payload was sealed under: its header is 4 magic bytes, then the key id. A manage token is sealed
    /// in an envelope (<see cref="TokenSeal"/>) whose data key data protection sealed: that key's.
    /// </summary>
    private static Guid KeyOf(string sealedToken) =>
        new(WebEncoders.Base64UrlDecode(sealedToken.StartsWith("s1.", StringComparison.Ordinal) ? sealedToken.Split('.')[1] : sealedToken).AsSpan(4, 16));

    private static async Task<(string Token, string Sealed)> BookAsync(BookwellApp app, string start, string email)
    {
        var response = await Book(app.CreateClient(), Booking(start, email: email));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Body(response);
        var id = Guid.Parse(body["id"]!.GetValue<string>());
        var sealedToken = app.WithDb(db => db.Bookings.IgnoreQueryFilters().Single(b => b.Id == id).ManageTokenSealed);
        return (body["manageToken"]!.GetValue<string>(), sealedToken!);
    }

    private static string? Unseal(BookwellApp app, string sealedToken) =>
        ManageTokens.Unseal(app.Services.GetRequiredService<IDataProtectionProvider>(), sealedToken);

    /// <summary>
    /// Moves every key's dates back, as the ring stands that many days later: time passes for the key ring only by its
    /// own dates (data protection reads the system clock), so this is how a rotation is reached in a test.
    /// </summary>
    private static void AgeKeyRing(BookwellApp app, int days) => app.WithDb(db =>
    {
        foreach (var row in db.DataProtectionKeys.ToList())
        {
            var xml = XElement.Parse(row.Xml);
            foreach (var date in new[] { "creationDate", "activationDate", "expirationDate" }.Select(n => xml.Element(n)).OfType<XElement>())
            {
                date.Value = XmlConvert.ToString(XmlConvert.ToDateTimeOffset(date.Value).AddDays(-days));
            }
            row.Xml = xml.ToString(SaveOptions.DisableFormatting);
        }
        return db.SaveChanges();
    });

    [Fact]
    public async Task ATokenSealedUnderAnOldCbcKey_StillOpens_TheNextKeyIsGcm_AndNodesOfBothVersionsShareTheRing()
    {
        await using var before = await BookwellApp.StartAsync(Kind, services: BeforeTheSwitch);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(before.Admin(), Config())).StatusCode);
        var (oldToken, oldSealed) = await BookAsync(before, "2027-03-02T10:00:00+01:00", "old@example.com");
        var cbc = KeyOf(oldSealed);
        Assert.All(Keys(before), k => Assert.Equal("AES_256_CBC", k.Algorithm));
        // 89 days on: the 90-day key expires tomorrow, so the next node to read the ring makes its successor.
        AgeKeyRing(before, 89);
        await before.DisposeForRestartAsync();

        await using var upgraded = before.Restart();
        Assert.Equal(oldToken, Unseal(upgraded, oldSealed));
        var successor = Assert.Single(Keys(upgraded), k => k.Id != cbc);
        Assert.Equal("AES_256_GCM", successor.Algorithm);
        Assert.Equal("AES_256_CBC", Assert.Single(Keys(upgraded), k => k.Id == cbc).Algorithm);
        // Until the old key expires it stays the one that seals, on every node alike.
        var (dayToken, daySealed) = await BookAsync(upgraded, "2027-03-02T11:00:00+01:00", "day@example.com");
        Assert.Equal(cbc, KeyOf(daySealed));
        AgeKeyRing(upgraded, 3);
        await upgraded.DisposeForRestartAsync();

        // Three days on, the GCM key seals. An upgraded node and one not yet upgraded run side by side on the same database.
        await using var newer = before.Restart();
        await using var older = before.Restart(services: BeforeTheSwitch);
        var (newToken, newSealed) = await BookAsync(newer, "2027-03-02T14:00:00+01:00", "new@example.com");
        Assert.Equal(successor.Id, KeyOf(newSealed));
        var (olderToken, olderSealed) = await BookAsync(older, "2027-03-02T15:00:00+01:00", "older@example.com");
        Assert.Equal(successor.Id, KeyOf(olderSealed));
        Assert.Equal(2, Keys(newer).Count);
        foreach (var node in new[] { newer, older })
        {
            Assert.Equal(oldToken, Unseal(node, oldSealed));
            Assert.Equal(dayToken, Unseal(node, daySealed));
            Assert.Equal(newToken, Unseal(node, newSealed));
            Assert.Equal(olderToken, Unseal(node, olderSealed));
        }
    }
    /// <summary>
    /// A rolling upgrade from a build before the envelope: nodes set to seal as data protection does write copies the old
    /// build opens (no envelope), and every node opens both forms; an unknown setting stops the start.
    /// </summary>
    [Fact]
    public async Task DuringARollingUpgrade_NodesSetToDataProtection_WriteCopiesTheOldBuildOpens_AndBothFormsOpenEverywhere()
    {
        await using var upgrading = await BookwellApp.StartAsync(Kind, c => c["Bookwell:Bookings:ManageTokenSeal"] = "data-protection");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(upgrading.Admin(), Config())).StatusCode);
        var (oldStyleToken, oldStyle) = await BookAsync(upgrading, "2027-03-02T10:00:00+01:00", "rolling@example.com");
        Assert.DoesNotContain('.', oldStyle);
        // What a node of the old build does with it: data protection's own Unprotect under the tokens' purpose.
        Assert.Equal(oldStyleToken, upgrading.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("bookwell.manage-token").Unprotect(oldStyle));
        await upgrading.DisposeForRestartAsync();

        await using var upgraded = upgrading.Restart();
        var (newToken, newSealed) = await BookAsync(upgraded, "2027-03-02T11:00:00+01:00", "done@example.com");
        Assert.StartsWith("s1.", newSealed, StringComparison.Ordinal);
        Assert.Equal(oldStyleToken, Unseal(upgraded, oldStyle));
        Assert.Equal(newToken, Unseal(upgraded, newSealed));
        await upgraded.DisposeForRestartAsync();

        var refused = Assert.ThrowsAny<Exception>(() => upgrading.Restart(c => c["Bookwell:Bookings:ManageTokenSeal"] = "rot13"));
        Assert.Contains("ManageTokenSeal", refused.ToString(), StringComparison.Ordinal);
    }
}

public sealed class SqliteKeyRingAlgorithmTests : KeyRingAlgorithmTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresKeyRingAlgorithmTests : KeyRingAlgorithmTests
{
    protected override Db Kind => Db.Postgres;
}
