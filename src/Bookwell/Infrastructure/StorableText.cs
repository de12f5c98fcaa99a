using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bookwell.Infrastructure;

/// <summary>
/// Text a database can keep. PostgreSQL refuses a NUL character in text (and in a query's parameters), and an unpaired
/// UTF-16 surrogate cannot be written as UTF-8; SQLite stores both (the second mangled). Neither is anything a person
/// types, so input that carries one is refused at the door, field by field, on both databases alike: query values and
/// form fields by <see cref="StorableTextMiddleware"/>, JSON bodies by <see cref="StringGuard"/> (through <see cref="JsonBody"/>).
/// </summary>
public static class StorableText
{
    public const string Error = "Must not contain a NUL character or an unpaired surrogate.";

    public static bool IsStorable(string? text)
    {
        if (text is null)
        {
            return true;
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads JSON strings (values and member names) and refuses one a database cannot keep, at its path.</summary>
    public sealed class StringGuard : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(reader.TokenType == JsonTokenType.String ? reader.GetString() : throw new JsonException());

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value);
        }

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(reader.GetString())!;

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WritePropertyName(value);
        }

        private static string? Checked(string? value) => IsStorable(value) ? value : throw new UnstorableTextException();
    }

    /// <summary>What <see cref="StringGuard"/> throws; <see cref="JsonBody"/> reports it at the member's path.</summary>
    public sealed class UnstorableTextException() : JsonException(Error);
}

/// <summary>See <see cref="StorableText"/>: a request whose path, query or URL-encoded form holds such text gets 400 with the fields named.</summary>
public sealed class StorableTextMiddleware(RequestDelegate next)
{
    // The path and query are checked in place; only a URL-encoded form (read) or a refusal (written) makes this async.
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var errors = new Errors();
        if (!StorableText.IsStorable(context.Request.Path.Value))
        {
            errors.Add("$path", StorableText.Error);
        }
        foreach (var (key, values) in context.Request.Query)
        {
            if (!StorableText.IsStorable(key) || values.Any(v => !StorableText.IsStorable(v)))
            {
                errors.Add(StorableText.IsStorable(key) ? key : "$query", StorableText.Error);
            }
        }
        if (context.Request.HasFormContentType &&
            context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            return WithFormAsync(context, errors);
        }
        return errors.Any ? Problems.Validation(errors).ExecuteAsync(context) : next(context);
    }

    private async Task WithFormAsync(HttpContext context, Errors errors)
    {
        IFormCollection? form = null;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            // A form that cannot be read is the page's to refuse, as before.
        }
        foreach (var (key, values) in form ?? FormCollection.Empty)
        {
            if (!StorableText.IsStorable(key) || values.Any(v => !StorableText.IsStorable(v)))
            {
                errors.Add(StorableText.IsStorable(key) ? key : "$form", StorableText.Error);
            }
        }
        if (errors.Any)
        {
            await Problems.Validation(errors).ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
