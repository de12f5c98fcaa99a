using System.Net;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bookwell.Tests.Accounts;

/// <summary>Issue 11: a member's role is an enum in the model, stored as the same strings as before it was one.</summary>
public abstract partial class AccountTests
{
    private static string StoredRole(BookwellApp app, string email) =>
        app.WithDb(db => db.Database.SqlQueryRaw<string>("SELECT \"Role\" AS \"Value\" FROM \"AspNetUsers\" WHERE \"Email\" = {0}", email).AsEnumerable().Single());

    [Fact]
    public async Task Roles_AreStoredAsTheirOldStrings_AndOneThisVersionDoesNotKnow_IsRefusedSignIn_WithoutBreakingTheTeamPage()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga Owner"), ("Email", "owner@roles.test"), ("Password", Password),
            ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        using (var scope = app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var now = app.Clock.GetCurrentInstant();
            Assert.True((await users.CreateAsync(AccountService.NewUser(DefaultTenant.Id, "adam@roles.test", "Adam", UserRole.Admin, null, now), Password)).Succeeded);
            Assert.True((await users.CreateAsync(AccountService.NewUser(DefaultTenant.Id, "future@roles.test", "Fay", UserRole.Admin, null, now), Password)).Succeeded);
        }
        // The strings rows held before the enum: no data migration.
        Assert.Equal(("owner", "admin"), (StoredRole(app, "owner@roles.test"), StoredRole(app, "adam@roles.test")));

        // A role written by a newer version (or by hand) reads as unknown instead of failing every read of the row...
        app.WithDb(db => db.Database.ExecuteSqlRaw("UPDATE \"AspNetUsers\" SET \"Role\" = 'auditor' WHERE \"Email\" = 'future@roles.test'"));
        Assert.Equal(UserRole.Unknown, app.WithDb(db => db.Users.AsNoTracking().Single(u => u.Email == "future@roles.test").Role));

        // ...and its member may not sign in: answered like a wrong password, not a 500 and not a session without a role.
        var future = WebSession.For(app);
        var refused = await future.LoginAsync("future@roles.test", Password);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("The e-mail address or password is not right.", await WebSession.TextAsync(refused));
        Assert.Equal(HttpStatusCode.Redirect, (await future.Client.GetAsync("/admin")).StatusCode);

        // A member with a known role signs in as before, and the owner's team page still lists everyone.
        Assert.Equal("/admin", (await WebSession.For(app).LoginAsync("adam@roles.test", Password)).Headers.Location?.OriginalString);
        var team = await owner.Client.GetAsync("/admin/team");
        Assert.Equal(HttpStatusCode.OK, team.StatusCode);
        Assert.Contains("future@roles.test", await team.Content.ReadAsStringAsync());

        // Changing a role through the team page stores the same strings as before.
        var adam = app.WithDb(db => db.Users.AsNoTracking().Single(u => u.Email == "adam@roles.test")).Id;
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"/admin/team?handler=Role&id={adam}", [KeyValuePair.Create("role", "staff")], "/admin/team")).StatusCode);
        Assert.Equal("staff", StoredRole(app, "adam@roles.test"));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PostFormAsync($"/admin/team?handler=Role&id={adam}", [KeyValuePair.Create("role", "unknown")], "/admin/team")).StatusCode);
        Assert.Equal("staff", StoredRole(app, "adam@roles.test"));
    }
}
