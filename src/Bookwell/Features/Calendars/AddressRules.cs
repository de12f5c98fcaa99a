using System.Net;
using System.Net.Sockets;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Which addresses a busy-source read may connect to. A subscribed URL is chosen by whoever edits the
/// configuration; without this a URL could make the server read its own loopback services, the cloud's
/// metadata endpoint or anything on the private network (SSRF).
/// </summary>
public static class AddressRules
{
    /// <summary>True for an address on the public internet; false for private, loopback, link-local, unique-local, multicast and reserved ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsPublicV4(address.GetAddressBytes());
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        var b = address.GetAddressBytes();
        if (IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address) || IPAddress.IPv6Any.Equals(address) ||
            address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6Teredo)
        {
            return false;
        }
        // fc00::/7 unique local (includes fd00:ec2::254, the AWS metadata address over IPv6).
        if ((b[0] & 0xFE) == 0xFC)
        {
            return false;
        }
        // 2001:db8::/32 documentation; 100::/64 discard.
        if ((b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) || (b[0] == 0x01 && b[1] == 0x00 && b.AsSpan(2, 6).IndexOfAnyExcept((byte)0) < 0))
        {
            return false;
        }
        // Forms that carry an IPv4 address inside are judged by that address: IPv4-compatible ::a.b.c.d (::/96),
        // IPv4-translated ::ffff:0:a.b.c.d (SIIT, ::ffff:0:0/96), NAT64 64:ff9b::/96, 6to4 2002::/16. A gateway or a
        // dual-stack socket turns each into a connection to the IPv4 address inside.
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicV4(b[12..]);
        }
        if (b.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0)
        {
            return IsPublicV4(b[12..]);
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)
        {
            // 64:ff9b:1::/48 is the local-use NAT64 prefix (RFC 8215): a network's own translator, never a public host;
            // the well-known prefix 64:ff9b::/96 carries the IPv4 address in its last four bytes.
            if (b[4] == 0x00 && b[5] == 0x01)
            {
                return false;
            }
            return IsPublicV4(b[12..]);
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(b[2..6]);
        }
        return true;
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0 ||                                      // 0.0.0.0/8 "this network"
        b[0] == 10 ||                                     // private
        (b[0] == 100 && (b[1] & 0xC0) == 64) ||           // 100.64.0.0/10 carrier-grade NAT
        b[0] == 127 ||                                    // loopback
        (b[0] == 169 && b[1] == 254) ||                   // link-local, cloud metadata (169.254.169.254)
        (b[0] == 172 && (b[1] & 0xF0) == 16) ||           // private
        (b[0] == 192 && b[1] == 0 && b[2] == 0) ||        // IETF protocol assignments
        (b[0] == 192 && b[1] == 0 && b[2] == 2) ||        // documentation
        (b[0] == 192 && b[1] == 168) ||                   // private
        (b[0] == 198 && (b[1] & 0xFE) == 18) ||           // benchmarking
        (b[0] == 198 && b[1] == 51 && b[2] == 100) ||     // documentation
        (b[0] == 203 && b[1] == 0 && b[2] == 113) ||      // documentation
        b[0] >= 224);                                     // multicast, reserved, broadcast

    /// <summary>
    /// Why a URL's host may not be called (before any lookup), or null. The one rule for every URL a business or client
    /// chooses (webhooks, busy sources, feed redirects, push endpoints). The host is judged as it will be resolved and
    /// connected to: <see cref="Uri.IdnHost"/>, where IDNA mapping has already turned full-width or circled letters and
    /// digits and ideographic full stops into ASCII (<c>ｌｏｃａｌｈｏｓｔ</c> is <c>localhost</c>, <c>１２７.０.０.１</c> is
    /// <c>127.0.0.1</c>), which <see cref="Uri.Host"/> still shows as typed. Numeric IPv4 spellings (hex, octal, one
    /// decimal number, short forms) are normalised by <see cref="Uri"/> itself; IPv6 forms carrying an IPv4 address
    /// are judged by that address (<see cref="IsPublic"/>).
    /// </summary>
    public static string? HostRefusal(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        string host;
        try
        {
            host = uri.IdnHost;
        }
        catch (UriFormatException)
        {
            // A name IDNA cannot map (a joiner between letters, an unassigned code point) is no address anyone can reach.
            return "Refused: the host name is not a valid internationalized domain name.";
        }
        if (Literal(host) is { } ip)
        {
            return IsPublic(ip) ? null : $"Refused: {ip} is a private, loopback or link-local address.";
        }
        return IsLocalName(host) ? "Refused: a local host name (localhost, .local, .internal) is not called." : null;
    }

    /// <summary>A host name that names this machine without DNS.</summary>
    public static bool IsLocalName(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var h = host.TrimEnd('.').ToLowerInvariant();
        return h == "localhost" || h.EndsWith(".localhost", StringComparison.Ordinal) || h.EndsWith(".local", StringComparison.Ordinal) ||
               h.EndsWith(".internal", StringComparison.Ordinal);
    }

    /// <summary>
    /// Opens a TCP connection for a <see cref="SocketsHttpHandler.ConnectCallback"/>, refusing non-public addresses unless
    /// <paramref name="allowPrivateAddresses"/>. Every address the name resolves to is judged at the moment of connecting and
    /// the socket connects only to those judged addresses, so a name that resolved to a public address when a URL was checked
    /// and resolves to 127.0.0.1 now (DNS rebinding) still cannot reach it. A name with any non-public address among its
    /// answers is refused as a whole. Resolution and each connect attempt go through <paramref name="network"/>, one
    /// address at a time. <paramref name="refuse"/> makes the caller's exception from a message that names no URL.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivateAddresses,
        OutboundNetwork network, Func<string, Exception> refuse, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(refuse);
        IPAddress[] addresses;
        if (Literal(endPoint.Host) is { } literal)
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await network.ResolveAsync(endPoint.Host, ct);
            }
            catch (SocketException)
            {
                throw refuse("The host name could not be resolved.");
            }
        }
        if (addresses.Length == 0)
        {
            throw refuse("The host name could not be resolved.");
        }
        if (!allowPrivateAddresses && addresses.FirstOrDefault(a => !IsPublic(a)) is { } refused)
        {
            throw refuse($"Refused: {refused} is a private, loopback or link-local address.");
        }
        Exception? last = null;
        foreach (var address in addresses)
        {
            try
            {
                return await network.ConnectAsync(new IPEndPoint(address, endPoint.Port), ct);
            }
            catch (SocketException ex)
            {
                last = ex;
            }
        }
        throw last!;
    }

    /// <summary>
    /// The host of a URL as an IP address when it is written as one ([::1] without brackets; an IPv6 zone id such as
    /// <c>%eth0</c> is dropped, as it does not change the address's class).
    /// </summary>
    public static IPAddress? Literal(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var h = host.Trim('[', ']');
        if (h.Contains(':', StringComparison.Ordinal) && h.IndexOf('%', StringComparison.Ordinal) is var zone and > 0)
        {
            h = h[..zone];
        }
        return IPAddress.TryParse(h, out var ip) ? ip : null;
    }
}

/// <summary>
/// Name resolution and TCP connects for outbound calls to addresses a business or client chose (webhooks, Web Push,
/// calendar feeds, CalDAV). Only <see cref="AddressRules.ConnectAsync"/> calls these, after the address rules; tests
/// stand in a resolver for names they do not own and watch every connect attempt.
/// </summary>
public class OutboundNetwork
{
    public virtual Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);

    public virtual async ValueTask<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
