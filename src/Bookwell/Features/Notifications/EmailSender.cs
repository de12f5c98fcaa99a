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

public sealed record OutgoingEmail(Guid Id, string To, string Subject, string? Text, string? Html, string? Ics, string? IcsMethod);

/// <summary>
/// SMTP through MailKit. The Message-ID is derived from the outbox id, so a message retried after a crash
/// carries the same Message-ID as its first attempt and receivers can drop the repeat.
/// </summary>
public sealed class SmtpEmailSender(SmtpOptions options) : IEmailSender
{
    public async Task SendAsync(OutgoingEmail email, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(email);
        var message = new MimeMessage { Subject = email.Subject, MessageId = $"{email.Id:N}@bookwell" };
        message.From.Add(MailboxAddress.Parse(options.From));
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
        message.Body = body.ToMessageBody();
        using var client = new SmtpClient();
        var security = options.UseTls ? SecureSocketOptions.Auto : SecureSocketOptions.None;
        await client.ConnectAsync(options.Host, options.Port, security, ct);
        if (!string.IsNullOrEmpty(options.User))
        {
            await client.AuthenticateAsync(options.User, options.Password ?? "", ct);
        }
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(true, ct);
    }
}
