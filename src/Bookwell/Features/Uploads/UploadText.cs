using Bookwell.Infrastructure;

namespace Bookwell.Features.Uploads;

/// <summary>Why a file was refused, in English for the API and in the visitor's language on the booking page.</summary>
public static class UploadText
{
    public static readonly IReadOnlyDictionary<string, string> English = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["size"] = "The file must hold between 1 byte and {0} MB.",
        ["type"] = "Only PDF, PNG, JPEG, GIF, WebP or plain-text files, whose contents match their type.",
    };

    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["size"] = "Het bestand moet tussen 1 byte en {0} MB groot zijn.",
        ["type"] = "Alleen PDF-, PNG-, JPEG-, GIF-, WebP- of platte-tekstbestanden, waarvan de inhoud bij het type past.",
    };

    /// <summary>Declared after its dictionaries: statics initialise in order.</summary>
    public static readonly TextSet Words = new("uploads", English, Dutch);
}
