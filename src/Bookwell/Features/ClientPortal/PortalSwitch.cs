using Bookwell.Data;
using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// A business may switch its client portal off (<c>settings.clientPortal: false</c> on every one of its pages): then
/// every <c>/account</c> page is a plain 404 and mails carry no "Your bookings" link. A page that keeps it on keeps
/// the portal open for the business (a client of that page may sign in and sees all their bookings there).
/// </summary>
public sealed class PortalSwitch : IAsyncPageFilter
{
    public static bool IsOn(TenantCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Pages.Count == 0 || catalog.Pages.Values.Any(p => p.Doc.Settings?.ClientPortal != false);
    }

    public static bool IsOn(CompiledPage? page) => page?.Doc.Settings?.ClientPortal != false;

    public static async Task<bool> IsOnAsync(HttpContext http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var services = http.RequestServices;
        return IsOn(await services.GetRequiredService<CatalogCache>().GetAsync(services.GetRequiredService<BookwellDb>(), ct));
    }

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!await IsOnAsync(context.HttpContext, context.HttpContext.RequestAborted))
        {
            context.Result = new NotFoundResult();
            return;
        }
        await next();
    }
}
