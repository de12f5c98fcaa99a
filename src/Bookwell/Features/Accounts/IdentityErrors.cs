using System.Globalization;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace Bookwell.Features.Accounts;

/// <summary>
/// ASP.NET Core Identity's own error messages (password rules, duplicate names, a bad token ...) in the request's
/// language, from the text store, instead of Identity's built-in English. The codes stay Identity's, so callers
/// keep deciding by <see cref="IdentityError.Code"/>.
/// </summary>
public sealed class LocalizedIdentityErrors : IdentityErrorDescriber
{
    public static readonly TextSet Words = new("identity", new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["DefaultError"] = "Something went wrong. Please try again.",
        ["ConcurrencyFailure"] = "Someone else changed this account at the same moment. Please try again.",
        ["PasswordMismatch"] = "This is not the right password.",
        ["InvalidToken"] = "This link is not valid or has expired. Ask for a new one.",
        ["RecoveryCodeRedemptionFailed"] = "This recovery code is not valid.",
        ["LoginAlreadyAssociated"] = "This sign-in is linked to another account already.",
        ["InvalidUserName"] = "'{0}' cannot be used as a user name: use letters, digits and - . _ @ + only.",
        ["InvalidEmail"] = "'{0}' is not a valid e-mail address.",
        ["DuplicateUserName"] = "An account with the user name '{0}' exists already.",
        ["DuplicateEmail"] = "An account with the e-mail address '{0}' exists already.",
        ["InvalidRoleName"] = "'{0}' is not a valid role.",
        ["DuplicateRoleName"] = "The role '{0}' exists already.",
        ["UserAlreadyHasPassword"] = "This account has a password already.",
        ["UserLockoutNotEnabled"] = "This account cannot be locked.",
        ["UserAlreadyInRole"] = "This account has the role '{0}' already.",
        ["UserNotInRole"] = "This account does not have the role '{0}'.",
        ["PasswordTooShort"] = "Use at least {0} characters.",
        ["PasswordRequiresUniqueChars"] = "Use at least {0} different characters.",
        ["PasswordRequiresNonAlphanumeric"] = "Use at least one character that is not a letter or digit.",
        ["PasswordRequiresDigit"] = "Use at least one digit (0-9).",
        ["PasswordRequiresLower"] = "Use at least one lowercase letter (a-z).",
        ["PasswordRequiresUpper"] = "Use at least one uppercase letter (A-Z).",
    }, new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["DefaultError"] = "Er ging iets mis. Probeer het opnieuw.",
        ["ConcurrencyFailure"] = "Iemand anders wijzigde dit account op hetzelfde moment. Probeer het opnieuw.",
        ["PasswordMismatch"] = "Dit is niet het juiste wachtwoord.",
        ["InvalidToken"] = "Deze link is niet geldig of verlopen. Vraag een nieuwe aan.",
        ["RecoveryCodeRedemptionFailed"] = "Deze herstelcode is niet geldig.",
        ["LoginAlreadyAssociated"] = "Deze aanmelding is al aan een ander account gekoppeld.",
        ["InvalidUserName"] = "'{0}' kan niet als gebruikersnaam dienen: gebruik alleen letters, cijfers en - . _ @ +.",
        ["InvalidEmail"] = "'{0}' is geen geldig e-mailadres.",
        ["DuplicateUserName"] = "Er bestaat al een account met de gebruikersnaam '{0}'.",
        ["DuplicateEmail"] = "Er bestaat al een account met het e-mailadres '{0}'.",
        ["InvalidRoleName"] = "'{0}' is geen geldige rol.",
        ["DuplicateRoleName"] = "De rol '{0}' bestaat al.",
        ["UserAlreadyHasPassword"] = "Dit account heeft al een wachtwoord.",
        ["UserLockoutNotEnabled"] = "Dit account kan niet geblokkeerd worden.",
        ["UserAlreadyInRole"] = "Dit account heeft de rol '{0}' al.",
        ["UserNotInRole"] = "Dit account heeft de rol '{0}' niet.",
        ["PasswordTooShort"] = "Gebruik minstens {0} tekens.",
        ["PasswordRequiresUniqueChars"] = "Gebruik minstens {0} verschillende tekens.",
        ["PasswordRequiresNonAlphanumeric"] = "Gebruik minstens één teken dat geen letter of cijfer is.",
        ["PasswordRequiresDigit"] = "Gebruik minstens één cijfer (0-9).",
        ["PasswordRequiresLower"] = "Gebruik minstens één kleine letter (a-z).",
        ["PasswordRequiresUpper"] = "Gebruik minstens één hoofdletter (A-Z).",
    });

    private static IdentityError E(string code, params object?[] args) =>
        new() { Code = code, Description = args.Length == 0 ? Words[code] : Words.Format(code, args) };

    public override IdentityError DefaultError() => E(nameof(DefaultError));

    public override IdentityError ConcurrencyFailure() => E(nameof(ConcurrencyFailure));

    public override IdentityError PasswordMismatch() => E(nameof(PasswordMismatch));

    public override IdentityError InvalidToken() => E(nameof(InvalidToken));

    public override IdentityError RecoveryCodeRedemptionFailed() => E(nameof(RecoveryCodeRedemptionFailed));

    public override IdentityError LoginAlreadyAssociated() => E(nameof(LoginAlreadyAssociated));

    public override IdentityError InvalidUserName(string? userName) => E(nameof(InvalidUserName), userName);

    public override IdentityError InvalidEmail(string? email) => E(nameof(InvalidEmail), email);

    public override IdentityError DuplicateUserName(string userName) => E(nameof(DuplicateUserName), userName);

    public override IdentityError DuplicateEmail(string email) => E(nameof(DuplicateEmail), email);

    public override IdentityError InvalidRoleName(string? role) => E(nameof(InvalidRoleName), role);

    public override IdentityError DuplicateRoleName(string role) => E(nameof(DuplicateRoleName), role);

    public override IdentityError UserAlreadyHasPassword() => E(nameof(UserAlreadyHasPassword));

    public override IdentityError UserLockoutNotEnabled() => E(nameof(UserLockoutNotEnabled));

    public override IdentityError UserAlreadyInRole(string role) => E(nameof(UserAlreadyInRole), role);

    public override IdentityError UserNotInRole(string role) => E(nameof(UserNotInRole), role);

    public override IdentityError PasswordTooShort(int length) => E(nameof(PasswordTooShort), length.ToString(CultureInfo.CurrentCulture));

    public override IdentityError PasswordRequiresUniqueChars(int uniqueChars) =>
        E(nameof(PasswordRequiresUniqueChars), uniqueChars.ToString(CultureInfo.CurrentCulture));

    public override IdentityError PasswordRequiresNonAlphanumeric() => E(nameof(PasswordRequiresNonAlphanumeric));

    public override IdentityError PasswordRequiresDigit() => E(nameof(PasswordRequiresDigit));

    public override IdentityError PasswordRequiresLower() => E(nameof(PasswordRequiresLower));

    public override IdentityError PasswordRequiresUpper() => E(nameof(PasswordRequiresUpper));
}
