using System.Net;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using NodaTime;

namespace Bookwell.Features.Accounts;

/// <summary>
/// Account e-mails (verify address, reset password, invitation) go through the same outbox as booking mail,
/// so they survive a crash; the link in them is a secret, and the outbox wipes bodies once sent.
/// Accounts store no language, so a mail is written in the language of the request that caused it.
/// </summary>
public static class AccountMail
{
    public static readonly IReadOnlyDictionary<string, string> English = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ignore"] = "If you did not ask for this, you can ignore this e-mail.",
        ["account-verify.subject"] = "Confirm your e-mail address for Bookwell",
        ["account-verify.intro"] = "Hello {0}, please confirm that this is your e-mail address.",
        ["account-verify.link"] = "Confirm my address",
        ["account-reset.subject"] = "Reset your Bookwell password",
        ["account-reset.intro"] = "Hello {0}, someone (we hope you) asked to reset your password. The link works for 24 hours.",
        ["account-reset.link"] = "Choose a new password",
        ["account-signup-attempt.subject"] = "Someone tried to sign up for Bookwell with your address",
        ["account-signup-attempt.intro"] = "Hello {0}, someone (perhaps you) tried to create a new business on Bookwell with this e-mail address. " +
            "It already has an account, so nothing was created. If it was you, sign in, or reset your password if you forgot it.",
        ["account-signup-attempt.link"] = "Sign in or reset your password",
        ["account-invite.subject"] = "You are invited to {0} on Bookwell",
        ["account-invite.intro"] = "{1} invited you to join {0} on Bookwell as {2}. The invitation is valid for 7 days.",
        ["account-invite.link"] = "Accept the invitation",
        ["role.owner"] = "owner",
        ["role.admin"] = "admin",
        ["role.staff"] = "staff",
    };

    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ignore"] = "Heeft u hier niet om gevraagd, dan kunt u deze e-mail negeren.",
        ["account-verify.subject"] = "Bevestig uw e-mailadres voor Bookwell",
        ["account-verify.intro"] = "Beste {0}, bevestig alstublieft dat dit uw e-mailadres is.",
        ["account-verify.link"] = "Mijn adres bevestigen",
        ["account-reset.subject"] = "Uw Bookwell-wachtwoord opnieuw instellen",
        ["account-reset.intro"] = "Beste {0}, iemand (hopelijk u) heeft gevraagd uw wachtwoord opnieuw in te stellen. De link werkt 24 uur.",
        ["account-reset.link"] = "Een nieuw wachtwoord kiezen",
        ["account-signup-attempt.subject"] = "Iemand probeerde zich met uw adres aan te melden bij Bookwell",
        ["account-signup-attempt.intro"] = "Beste {0}, iemand (misschien u) probeerde met dit e-mailadres een nieuw bedrijf aan te maken op Bookwell. " +
            "Er bestaat al een account voor, dus er is niets aangemaakt. Was u het zelf, log dan in, of stel uw wachtwoord opnieuw in als u het vergeten bent.",
        ["account-signup-attempt.link"] = "Inloggen of uw wachtwoord opnieuw instellen",
        ["account-invite.subject"] = "U bent uitgenodigd voor {0} op Bookwell",
        ["account-invite.intro"] = "{1} heeft u uitgenodigd om als {2} mee te doen met {0} op Bookwell. De uitnodiging is 7 dagen geldig.",
        ["account-invite.link"] = "Uitnodiging aannemen",
        ["role.owner"] = "eigenaar",
        ["role.admin"] = "beheerder",
        ["role.staff"] = "medewerker",
    };

    /// <summary>Declared after its dictionaries: statics initialise in order.</summary>
    public static readonly TextSet Words = new("account-mail", English, Dutch);

    /// <summary>
    /// A mail of <paramref name="kind"/> in <paramref name="language"/>: its subject, introduction and button come
    /// from the set's <c>kind.subject</c>, <c>kind.intro</c> and <c>kind.link</c>, filled with <paramref name="args"/>.
    /// </summary>
    public static OutboxMessage Compose(Guid tenantId, MessageKind messageKind, string to, string language, string link, Instant now, params object?[] args)
    {
        var kind = messageKind.ToWire();
        language = TextSet.Normalize(language);
        var culture = MailText.Culture(language);
        var subject = Words.FormatIn(language, culture, kind + ".subject", args);
        var intro = Words.FormatIn(language, culture, kind + ".intro", args);
        var linkText = Words.Get(kind + ".link", language);
        var ignore = Words.Get("ignore", language);
        var text = $"{intro}\n\n{linkText}: {link}\n\n{ignore}\n";
        var html = $"<!DOCTYPE html><html lang=\"{language}\"><body style=\"font-family:system-ui,sans-serif\"><p>{WebUtility.HtmlEncode(intro)}</p>" +
                   $"<p><a href=\"{WebUtility.HtmlEncode(link)}\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#fff;border-radius:8px;text-decoration:none\">{WebUtility.HtmlEncode(linkText)}</a></p>" +
                   $"<p style=\"color:#4b5563\">{WebUtility.HtmlEncode(ignore)}</p></body></html>";
        return new OutboxMessage
        {
            Id = Ids.New(),
            TenantId = tenantId,
            Kind = messageKind,
            To = to,
            Subject = subject,
            TextBody = text,
            HtmlBody = html,
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        };
    }

    /// <summary>A role's name as the invitation names it.</summary>
    public static string Role(UserRole role, string language) => Words.Get("role." + role.Name(), language);
}
