using Microsoft.AspNetCore.Http.Features;

namespace Bookwell.Infrastructure;

/// <summary>
/// HEAD answered as GET without a body (RFC 9110 9.3.2): minimal API routes match only the methods they map, so every
/// GET endpoint (slots, the page, feeds, scripts) answered HEAD with 405. Runs before routing: the request is routed and
/// handled as the GET it asks about (same status, headers, ETag and 304), and whatever the handler writes is dropped.
/// Kestrel keeps treating the exchange as HEAD itself, so the GET's Content-Length may be sent without its body.
/// </summary>
public sealed class HeadRequestsMiddleware(RequestDelegate next)
{
    // Every other request passes straight on, without an async state machine of its own (one per middleware and request).
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return HttpMethods.IsHead(context.Request.Method) ? AsGetAsync(context) : next(context);
    }

    private async Task AsGetAsync(HttpContext context)
    {
        var body = context.Features.Get<IHttpResponseBodyFeature>()!;
        context.Request.Method = HttpMethods.Get;
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null, body));
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(body);
            context.Request.Method = HttpMethods.Head;
        }
    }
}
