using System.Text.Json;
using Bookwell.Features.Accounts;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Admin.Setup;


[Authorize(Policy = Policies.Manager)]
public sealed class SetupModel : AdminPageModel
{
    public void OnGet()
    {
    }
}
