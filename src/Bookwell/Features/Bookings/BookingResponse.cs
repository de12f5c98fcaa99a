using System.Text.Json;
using Bookwell.Data;
using Bookwell.Infrastructure;
using NodaTime;

namespace Bookwell.Features.Bookings;

public sealed record HistoryEntry(string Action, string Type, string? From, string To, string At, string By, string? PreviousStart, string? NewStart)
{
    /// <summary>Additive, operator views only: a <c>work-order</c> entry's reference before (absent: none).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? PreviousWorkOrder { get; init; }

    /// <summary>Additive, operator views only: a <c>work-order</c> entry's reference after (absent: removed).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? WorkOrder { get; init; }
}

public sealed record CustomerView(string Name, string Email, string? Phone);

/// <summary>One part of a visit of several services (issue 15), in the booking's zone.</summary>
public sealed record VisitPartView(string Service, string ServiceName, string Start, string End, string? Staff, IReadOnlyList<string> Resources);

/// <summary>The contract's booking shape, plus additive members (page, branch, customer, answers, history).</summary>
public sealed record BookingResponse(
    string Id,
    string Status,
    string Start,
    string End,
    string Service,
    string? Staff,
    IReadOnlyList<string> Resources,
    string? ManageToken,
    string? ManageUrl,
    string? PaymentUrl,
    string Page,
    string? Branch,
    string TimeZone,
    string ServiceName,
    CustomerView Customer,
    JsonElement Answers,
    string? Notes,
    JsonElement? Location,
    bool WalkIn,
    string? HoldExpiresAt,
    string CreatedAt,
    IReadOnlyList<HistoryEntry>? History)
{
    /// <summary>When the client accepted the terms, in the booking's zone; null when they did not.</summary>
    public string? TermsAcceptedAt { get; init; }

    /// <summary>SHA-256 (hex) of the terms text accepted, so the version can be matched later.</summary>
    public string? TermsHash { get; init; }

    /// <summary>Admin views (contract 4.2): what was paid and what is still due, from the payments ledger.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Payments.PaymentView? Payment { get; init; }

    /// <summary>The recurring series this booking belongs to (additive; absent for single bookings).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SeriesId { get; init; }

    /// <summary>A visit of several services: its parts in order (additive; absent for one service).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<VisitPartView>? Parts { get; init; }

    /// <summary>When staff checked the client in (additive; absent until then).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? CheckedInAt { get; init; }

    /// <summary>Issue 17: the organization whose personal link made the booking (additive; absent for other bookings).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Organization { get; init; }

    /// <summary>The member's own number at the organization (student or employee number), when it has one (additive).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? MemberId { get; init; }

    /// <summary>Admin views (issue 15): the work order the booking carries out, in another system (additive; absent when none).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public WorkOrders.WorkOrderView? WorkOrder { get; init; }

    private static readonly JsonElement NoAnswers = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The stored answers as JSON; most bookings have none, and those share one empty object (read-only).</summary>
    private static JsonElement AnswersOf(string json) => json == "{}" ? NoAnswers : JsonDocument.Parse(json).RootElement.Clone();

    /// <param name="operatorView">The business's own view (admin API): the history keeps the entries clients never see (work orders).</param>
    public static BookingResponse From(Booking b, string? token, string? baseUrl, bool withHistory, bool operatorView = false)
    {
        ArgumentNullException.ThrowIfNull(b);
        var zone = TimeFormats.Zone(b.TimeZone) ?? DateTimeZone.Utc;
        var resources = b.ResourceKeys.Length == 0 ? [] : b.ResourceKeys.Split(',').Select(k => k.Split('#')[0]).Distinct().ToArray();
        return new BookingResponse(
            b.Id.ToString(), b.Status.ToWire(), TimeFormats.Format(b.StartsAt, zone), TimeFormats.Format(b.EndsAt, zone), b.ServiceKey, b.StaffKey,
            resources, token, token is null || baseUrl is null ? null : $"{baseUrl}/booking/{token}", null, b.PageSlug, b.BranchKey, b.TimeZone,
            b.ServiceName, new CustomerView(b.CustomerName, b.CustomerEmail, b.CustomerPhone),
            AnswersOf(b.AnswersJson),
            b.Notes, b.LocationJson is null ? null : JsonDocument.Parse(b.LocationJson).RootElement.Clone(), b.WalkIn,
            b.HoldExpiresAt is { } h ? TimeFormats.Format(h, zone) : null, TimeFormats.Format(b.CreatedAt, zone),
            withHistory
                ? b.History.Where(h => operatorView || h.Action.IsForClient()).OrderBy(h => h.At).ThenBy(h => h.Id).Select(h => new HistoryEntry(h.Action.ToWire(),
                    h.Action.ToWire(), h.FromStatus.ToWire(), h.ToStatus.ToWire(), TimeFormats.Format(h.At, zone), h.By,
                    h.PreviousStart is { } p ? TimeFormats.Format(p, zone) : null,
                    h.NewStart is { } n ? TimeFormats.Format(n, zone) : null)
                {
                    PreviousWorkOrder = operatorView ? h.PreviousWorkOrder : null,
                    WorkOrder = operatorView ? h.NewWorkOrder : null,
                }).ToList()
                : null)
        {
            TermsAcceptedAt = b.TermsAcceptedAt is { } accepted ? TimeFormats.Format(accepted, zone) : null,
            TermsHash = b.TermsHash,
            SeriesId = b.SeriesId?.ToString(),
            Organization = b.OrganizationKey,
            MemberId = b.OrganizationKey is null ? null : b.MemberNumber,
            CheckedInAt = b.CheckedInAt is { } came ? TimeFormats.Format(came, zone) : null,
            Parts = Visits.Parts(b)?.Select(p => new VisitPartView(p.Service, p.Name, TimeFormats.Format(p.StartsAt, zone), TimeFormats.Format(p.EndsAt, zone),
                p.Staff, p.Resources.Length == 0 ? [] : p.Resources.Split(',').Select(k => k.Split('#')[0]).Distinct().ToArray())).ToList(),
        };
    }
}
