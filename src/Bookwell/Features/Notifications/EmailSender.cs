using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Bookwell.Features.Notifications;

public sealed record SmtpOptions(string Host, int Port, bool UseTls, string? User, string? Password, string From)
{
    public static SmtpOptions? Read(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var host = config["Bookwell:Smtp:Host"];
        return string.IsNullOrWhiteSpace(host)
            ? null
            : new SmtpOptions(host, config.GetValue("Bookwell:Smtp:Port", 25), config.GetValue("Bookwell:Smtp:UseTls", true),
                config["Bookwell:Smtp:User"], config["Bookwell:Smtp:Password"], config["Bookwell:Smtp:From"] ?? "bookings@localhost");
    }
}

/// <summary>The narrow edge the outbox sends through; one message in, an exception out on failure.</summary>
public interface IEmailSender
{
    Task SendAsync(OutgoingEmail email, CancellationToken ct);
}

public sealed record OutgoingEmail(Guid Id, string To, string Subject, string? Text, string? Html, string? Ics, string? IcsMethod,
    string? FromName = null, string? ReplyTo = null, MailAttachment? Attachment = null);

/// <summary>A file sent with a message (an invoice's PDF), produced at sending time.</summary>
public sealed record MailAttachment(string FileName, string ContentType, byte[] Content);

/// <summary>
/// Produces the file an outbox message names in <see cref="Data.OutboxMessage.Attachment"/> (<c>kind:reference</c>).
/// Null when the thing is gone; the message then goes without it.
/// </summary>
public interface IMailAttachmentSource
{
    /// <summary>The part before the colon this source answers for, e.g. <c>invoice</c>.</summary>
    string Kind { get; }

    Task<MailAttachment?> LoadAsync(Data.BookwellDb db, Guid tenantId, string reference, CancellationToken ct);
}

/// <summary>
/// SMTP through MailKit. The Message-ID is derived from the outbox id, so a message retried after a crash
/// carries the same Message-ID as its first attempt and receivers can drop the repeat.
/// </summary>
public sealed class SmtpEmailSender(SmtpOptions options) : IEmailSender, IDisposable
{
    // One connection is kept open across sends (the worker sends one message after another); a failure
    // drops it, and the next send connects afresh.
    private readonly SemaphoreSlim _lock = new(1, 1);
    private SmtpClient? _client;

    public async Task SendAsync(OutgoingEmail email, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(email);
        var message = new MimeMessage { Subject = email.Subject, MessageId = $"{email.Id:N}@bookwell" };
        var from = MailboxAddress.Parse(options.From);
        if (!string.IsNullOrWhiteSpace(email.FromName))
        {
            // The installation's address, the business's name: each business is the sender its clients know,
            // without every business needing its own mail domain. MimeKit encodes the name; line breaks are removed first.
            from.Name = email.FromName.ReplaceLineEndings(" ");
        }
        message.From.Add(from);
        if (email.ReplyTo is { Length: > 0 } replyTo && MailboxAddress.TryParse(replyTo, out var reply))
        {
            message.ReplyTo.Add(reply);
        }
        message.To.Add(MailboxAddress.Parse(email.To));
        var body = new BodyBuilder { TextBody = email.Text, HtmlBody = email.Html };
        if (email.Ics is not null)
        {
            var ics = new MimePart("text", "calendar")
            {
                Content = new MimeContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(email.Ics))),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = "booking.ics",
            };
            ics.ContentType.Parameters.Add("method", email.IcsMethod ?? "REQUEST");
            ics.ContentType.Charset = "utf-8";
            body.Attachments.Add(ics);
        }
        if (email.Attachment is { } file)
        {
            body.Attachments.Add(file.FileName, file.Content, ContentType.Parse(file.ContentType));
        }
        message.Body = body.ToMessageBody();
        await _lock.WaitAsync(ct);
        try
        {
            var reused = _client is { IsConnected: true };
            try
            {
                await (await ConnectedAsync(ct)).SendAsync(message, ct);
            }
            catch (Exception ex) when (reused && ex is MailKit.ServiceNotConnectedException or IOException or MailKit.Net.Smtp.SmtpProtocolException)
            {
                // The server may have closed an idle connection; one fresh attempt before reporting failure.
                _client?.Dispose();
                _client = null;
                await (await ConnectedAsync(ct)).SendAsync(message, ct);
            }
        }
        catch
        {
            _client?.Dispose();
            _client = null;
            throw;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<SmtpClient> ConnectedAsync(CancellationToken ct)
    {
        if (_client is { IsConnected: true })
        {
            return _client;
        }
        _client?.Dispose();
        var client = new SmtpClient();
        await client.ConnectAsync(options.Host, options.Port, options.UseTls ? SecureSocketOptions.Auto : SecureSocketOptions.None, ct);
        if (!string.IsNullOrEmpty(options.User))
        {
            await client.AuthenticateAsync(options.User, options.Password ?? "", ct);
        }
        return _client = client;
    }

    public void Dispose()
    {
        _client?.Dispose();
        _lock.Dispose();
    }
}
