using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bookwell.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;

namespace Bookwell.Infrastructure;

/// <summary>
/// The data-protection key ring (which signs sign-in cookies, reset and e-mail tokens, hand-off tickets) lives
/// in the database so every node shares it; each key is encrypted there with a certificate the database does
/// not hold, so a copy of the database alone cannot forge a session or a reset link.
/// </summary>
public static class KeyRingProtection
{
    public const string FileName = "bookwell-keyring.pfx";
    private static readonly Lock Gate = new();

    /// <summary>
    /// The algorithm of every key made from now on. AES-256-GCM seals in about half the time of the framework's default
    /// (AES-256-CBC with HMACSHA256: a key derivation, an HMAC object and two passes per payload), and every booking
    /// seals its manage token, every page with a form makes anti-forgery tokens. Each key's descriptor names its own
    /// algorithm, so payloads under keys made before this (CBC) still open, on this node and on nodes not yet upgraded,
    /// which also read GCM keys from the shared ring; an existing install moves to GCM at its next key rotation.
    /// </summary>
    private static readonly AuthenticatedEncryptorConfiguration NewKeyAlgorithm = new()
    {
        EncryptionAlgorithm = EncryptionAlgorithm.AES_256_GCM,
    };

    /// <summary>
    /// Uses Bookwell__DataProtection__CertificatePath (+ __CertificatePassword). Without one, a local or test
    /// install gets a generated certificate in its data directory; a Production install reachable from other
    /// machines refuses to start. Returns the start-up log line that says where the keys are and what protects them.
    /// </summary>
    public static string Configure(IServiceCollection services, IConfiguration config, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(environment);
        X509Certificate2 certificate;
        string line;
        if (config["Bookwell:DataProtection:CertificatePath"] is { Length: > 0 } path)
        {
            if (!File.Exists(path))
            {
                throw new StartupException($"Bookwell__DataProtection__CertificatePath names {path}, which does not exist.");
            }
            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, config["Bookwell:DataProtection:CertificatePassword"], X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (CryptographicException ex)
            {
                throw new StartupException($"Cannot open the data-protection certificate {path}: {ex.Message} (is Bookwell__DataProtection__CertificatePassword right?)");
            }
            line = $"Key ring: in the database, each key encrypted with the certificate {path} ({certificate.Thumbprint}).";
        }
        else
        {
            if (environment.IsProduction() && !IsLocalInstall(config))
            {
                throw new StartupException("Production needs Bookwell__DataProtection__CertificatePath (a PFX file kept apart from the database, with __CertificatePassword) to encrypt the key ring; see docs/operations.md.");
            }
            var directory = config["Bookwell:DataDirectory"] is { Length: > 0 } d ? d : Directory.GetCurrentDirectory();
            var generated = Path.GetFullPath(Path.Combine(directory, FileName));
            certificate = LoadOrCreate(generated);
            line = $"Key ring: in the database, each key encrypted with the certificate {generated}, generated for this install (keep that file, and out of database backups; set Bookwell__DataProtection__CertificatePath in production).";
        }
        if (certificate.GetRSAPrivateKey() is null)
        {
            throw new StartupException("The data-protection certificate has no RSA private key.");
        }
        services.AddDataProtection().ProtectKeysWithCertificate(certificate).UseCryptographicAlgorithms(NewKeyAlgorithm);
        return line;
    }

    /// <summary>Listens only on this machine and has no public address configured: a trial or development install.</summary>
    public static bool IsLocalInstall(IConfiguration config)
    {
        if (TenantLinks.PublicBaseUrl(config) is { } url && !TenantLinks.IsLocal(url))
        {
            return false;
        }
        var listen = TenantLinks.ConfiguredListenAddresses(config);
        return listen.Count == 0 || listen.All(TenantLinks.IsLocal);
    }

    private static X509Certificate2 LoadOrCreate(string path)
    {
        lock (Gate)
        {
            if (!File.Exists(path))
            {
                using var rsa = RSA.Create(3072);
                var request = new CertificateRequest("CN=Bookwell key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
                var bytes = created.Export(X509ContentType.Pkcs12);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }
                using (var file = new FileStream(temporary, options))
                {
                    file.Write(bytes);
                }
                try
                {
                    // Another process may have made one at the same moment: the first one in place wins.
                    File.Move(temporary, path, overwrite: false);
                }
                catch (IOException) when (File.Exists(path))
                {
                    File.Delete(temporary);
                }
            }
            return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.EphemeralKeySet);
        }
    }
}
