namespace Bookwell.Infrastructure;

/// <summary>
/// Answers under /api that no endpoint wrote (no route, wrong method or media type, a binding failure, an exception) in
/// the contract's problem shape: a type under <see cref="Problems.TypeBase"/> ending in a stable code, never ASP.NET's
/// RFC links. Pages keep the framework's answers.
/// </summary>
public static class ApiProblems
{
    public static bool IsApi(HttpContext context) => context?.Request.Path.StartsWithSegments("/api") == true;

    /// <summary>A bare status code under /api (the status code pages' handler) written as <see cref="Problems.ForStatus"/>; elsewhere the framework's.</summary>
    public static StatusCodePagesOptions StatusCodePages()
    {
        var fallback = new StatusCodePagesOptions().HandleAsync;
        return new StatusCodePagesOptions
        {
            HandleAsync = async context =>
            {
                var http = context.HttpContext;
                if (IsApi(http))
                {
                    await Problems.ForStatus(http.Response.StatusCode, http.Request.Method).ExecuteAsync(http);
                }
                else
                {
                    await fallback(context);
                }
            },
        };
    }

    /// <summary>
    /// Every problem written under /api that does not already carry one of Bookwell's types (the exception handler's 500,
    /// a framework 400) gets the type, title and, for a 400, the errors map that its status has in <see cref="Problems.ForStatus"/>.
    /// </summary>
    public static void Customize(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (!IsApi(context.HttpContext) || problem.Type?.StartsWith(Problems.TypeBase, StringComparison.Ordinal) == true)
        {
            return;
        }
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        var ours = Problems.ForStatus(status, context.HttpContext.Request.Method).ProblemDetails;
        problem.Type = ours.Type;
        problem.Title = ours.Title;
        problem.Detail ??= ours.Detail;
        if (ours is HttpValidationProblemDetails { Errors: var errors } && problem is not HttpValidationProblemDetails && !problem.Extensions.ContainsKey("errors"))
        {
            problem.Extensions["errors"] = errors;
        }
    }
}
