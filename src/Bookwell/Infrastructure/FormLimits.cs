using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Bookwell.Infrastructure;

/// <summary>
/// A page's form post (URL-encoded or multipart) that is larger than the server takes answers 413 too-large with a problem
/// body. The form used to be read first by model binding or the antiforgery check, which turn every read failure (a value
/// over FormOptions' 4 MB, a body over Kestrel's 30 MB or the page's own [RequestSizeLimit]) into a bare 400. Reading it
/// here first, under the page's own limit, lets a size refusal be told apart; everything later reuses the form read here.
/// The API reads its bodies itself (<see cref="JsonBody"/>, uploads) and is left alone.
/// </summary>
public sealed class FormLimitsMiddleware(RequestDelegate next)
{
    // Everything but a page's form passes straight on, without an async state machine of its own.
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ApiProblems.IsApi(context) || !context.Request.HasFormContentType ? next(context) : ReadFormAsync(context);
    }

    private async Task ReadFormAsync(HttpContext context)
    {
        // What [RequestSizeLimit] on the page would set once its filter runs, which is after this read.
        if (context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } limit &&
            context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit.MaxRequestBodySize;
        }
        try
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            // The URL-encoded reader refuses a value over FormOptions.ValueLengthLimit; the multipart reader limits only the
            // whole section, so the same value in a multipart post is held to the same limit here.
            var valueLimit = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<FormOptions>>().Value.ValueLengthLimit;
            if (form.Any(field => field.Value.Any(v => v?.Length > valueLimit)))
            {
                await TooLargeAsync(context);
                return;
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TooLargeAsync(context);
            return;
        }
        catch (InvalidDataException ex) when (IsSizeLimit(ex))
        {
            await TooLargeAsync(context);
            return;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            // A form that cannot be read for another reason is the page's to refuse, as before.
        }
        await next(context);
    }

    /// <summary>FormReader's and MultipartReader's refusals of a value, key, count, header or body over its limit ("… limit N exceeded.").</summary>
    private static bool IsSizeLimit(InvalidDataException ex) =>
        ex.Message.Contains(" limit ", StringComparison.Ordinal) && ex.Message.Contains("exceeded", StringComparison.Ordinal);

    private static Task TooLargeAsync(HttpContext context) =>
        Problems.TooLarge("The form is larger than this page takes.").ExecuteAsync(context);
}
