using Bookwell.Features.Bookings;

namespace Bookwell.Features.Payments;

public static class PaymentServices
{
    /// <summary>Registers payments; with Stripe configured, also its client, the hold-expiry hook and the reconciliation pass.</summary>
    /// <exception cref="Data.StartupException">Stripe settings that cannot work (a secret key without a webhook secret).</exception>
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration config)
    {
        var stripe = StripeOptions.Read(config);
        services.AddSingleton(new PaymentProviders(stripe));
        services.AddScoped<PaymentCheckout>();
        services.AddScoped<PaymentApplier>();
        services.AddScoped<PaymentStatus>();
        services.AddScoped<Checkout.DeskCheckout>();
        services.AddScoped<Checkout.DeskTerminal>();
        services.AddSingleton<NoShowFeeSignal>();
        services.AddSingleton<NoShowFees>();
        services.AddSingleton<NoShowFeeCharger>();
        services.AddHostedService(sp => sp.GetRequiredService<NoShowFeeCharger>());
        if (stripe is null)
        {
            return services;
        }
        services.AddSingleton(stripe);
        services.AddHttpClient("stripe", c => c.Timeout = TimeSpan.FromSeconds(20));
        services.AddSingleton(sp => new StripeGateway(stripe, sp.GetRequiredService<IHttpClientFactory>().CreateClient("stripe")));
        Checkout.TerminalServices.AddTerminal(services, stripe);
        services.AddSingleton<ITimeFreedListener, SessionExpiryListener>();
        services.AddSingleton<PaymentReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<PaymentReconciler>());
        return services;
    }
}
