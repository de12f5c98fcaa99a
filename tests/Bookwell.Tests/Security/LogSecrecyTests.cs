using Bookwell.Tests.Infrastructure;
using Npgsql;

namespace Bookwell.Tests.Security;

/// <summary>
/// Tokens travel in URLs (manage links, waitlist links, organization links, sign-in links), so no request URL may reach the
/// log at the default levels: also for a node started from another directory, where its appsettings.json is not read.
/// A real process on PostgreSQL, stopped as an operator stops it so its console log is complete.
/// </summary>
public sealed class LogSecrecyTests
{
    [Fact]
    public async Task ANodeStartedOutsideItsFolder_LogsNoRequestUrl_SoNoTokenReachesTheLog()
    {
        var name = $"bw_{Guid.NewGuid():N}";
        await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"CREATE DATABASE \"{name}\"");
        var cs = new NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer) { Database = name }.ConnectionString;
        var elsewhere = Directory.CreateTempSubdirectory("bookwell-cwd-");
        var node = Node.Start(cs, workingDirectory: elsewhere.FullName);
        try
        {
            await node.WaitReadyAsync();
            using var client = node.Client();
            const string secret = "NotARealTokenButShapedLikeOne42";
            await client.GetAsync($"/book/nowhere?access={secret}");
            await client.PostAsync($"/api/v1/bookings/{secret}/cancel", null);
            await client.GetAsync($"/api/v1/waitlist/{secret}");
            await node.StopAsync();
            var output = node.Output;
            // The log ran to its end (the host's own last words), and held none of the URLs.
            Assert.Contains("Application is shutting down", output, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
        }
        finally
        {
            node.Dispose();
            NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            elsewhere.Delete(recursive: true);
        }
    }
}
