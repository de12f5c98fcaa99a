using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Organizations;

/// <summary>Contract 4.6's link request; <c>kind</c> and <c>memberId</c> are additive.</summary>
public sealed class LinkRequest
{
    public string? Page { get; set; }
    public string? Email { get; set; }
    public string? Name { get; set; }
    /// <summary>organization (default), organization-appointment, organization-session, appointment or session.</summary>
    public string? Kind { get; set; }
    /// <summary>Student or employee number, shown on the member's bookings.</summary>
    public string? MemberId { get; set; }
}

public sealed class RevokeRequest
{
    public string? Page { get; set; }
    /// <summary>One member's links; null revokes every link of the organization.</summary>
    public string? Email { get; set; }
}

public sealed record LinkResponse(string Url, string ExpiresAt);

public sealed record RevokeResponse(int Revoked);

/// <summary>The operator's side of contract 4.6: personal links, made and revoked.</summary>
public static class OrganizationEndpoints
{
    private const int MaxBodyBytes = 8 * 1024;

    public static RouteGroupBuilder MapOrganizations(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var orgs = admin.MapGroup("/organizations/{key}").WithTags("Organizations");
        orgs.MapPost("/links", CreateLink).WithName("CreateOrganizationLink").Accepts<LinkRequest>("application/json")
            .Produces<LinkResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        orgs.MapPost("/revoke", Revoke).WithName("RevokeOrganizationLinks").Accepts<RevokeRequest>("application/json")
            .Produces<RevokeResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    private static async Task<(CompiledPage? Page, OrganizationModel? Organization, IResult? Problem)> FindAsync(string key, string? slug, Errors errors,
        BookwellDb db, CatalogCache cache, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(slug))
        {
            errors.Add("page", "Required: the slug of the organization's page.");
            return (null, null, null);
        }
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(slug, out var page))
        {
            errors.Add("page", "No such booking page.");
            return (null, null, null);
        }
        if (!page.Organizations.TryGetValue(key, out var organization))
        {
            return (page, null, Problems.NotFound("No such organization on this page."));
        }
        return (page, organization, null);
    }

    private static async Task<IResult> CreateLink(string key, HttpRequest request, BookwellDb db, CatalogCache cache, OrganizationAccess access,
        CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<LinkRequest>(request, MaxBodyBytes, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        var (page, organization, problem) = await FindAsync(key, body.Page, errors, db, cache, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrWhiteSpace(body.Email) || !ContactRules.IsEmail(body.Email.Trim()))
        {
            errors.Add("email", ContactRules.EmailMessage);
        }
        if (ContactRules.NameProblem(body.Name) is { } nameProblem)
        {
            errors.Add("name", nameProblem);
        }
        var kind = LinkKind.Organization;
        if (body.Kind is not null && !Wire<LinkKind>.TryParse(body.Kind, out kind))
        {
            errors.Add("kind", $"Must be one of: {string.Join(", ", LinkKinds.All)}.");
        }
        if (!OrganizationAccess.IsMemberId(body.MemberId))
        {
            errors.Add("memberId", body.MemberId!.Length > OrganizationAccess.MaxMemberId ? "At most 64 characters." : ContactRules.NameMessage);
        }
        if (errors.Any || page is null || organization is null)
        {
            return Problems.Validation(errors);
        }
        var member = await access.UpsertMemberAsync(page, organization, body.Email!, body.Name!, body.MemberId, ct);
        var (url, expires) = await access.IssueAsync(page, member, kind, ct);
        return TypedResults.Ok(new LinkResponse(url, TimeFormats.Format(expires, page.Zone)));
    }

    private static async Task<IResult> Revoke(string key, HttpRequest request, BookwellDb db, CatalogCache cache, OrganizationAccess access,
        CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<RevokeRequest>(request, MaxBodyBytes, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        var (page, organization, problem) = await FindAsync(key, body.Page, errors, db, cache, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (body.Email is not null && (body.Email.Length > 254 || !ContactRules.IsEmail(body.Email.Trim())))
        {
            errors.Add("email", ContactRules.EmailMessage);
        }
        if (errors.Any || page is null || organization is null)
        {
            return Problems.Validation(errors);
        }
        Guid? memberId = null;
        if (body.Email is not null)
        {
            var normalized = OrganizationAccess.Normalize(body.Email);
            var member = await db.OrganizationMembers.Where(m => m.PageSlug == page.Slug && m.OrganizationKey == organization.Key && m.EmailNormalized == normalized)
                .Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
            if (member is null)
            {
                return TypedResults.Ok(new RevokeResponse(0));
            }
            memberId = member;
        }
        return TypedResults.Ok(new RevokeResponse(await access.RevokeAsync(page.Slug, organization.Key, memberId, ct)));
    }
}
