using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Security;

/// <summary>Uploads only where a service asks for a file, and never more than the limit read from the wire.</summary>
public sealed class UploadLimitTests
{
    private const int Mb = 1024 * 1024;

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];

    private static async Task<BookwellApp> StartAsync(bool withFileField)
    {
        var app = await BookwellApp.StartAsync(Db.Sqlite);
        var doc = Config();
        if (!withFileField)
        {
            var fields = doc["pages"]![0]!["services"]![0]!["fields"]!.AsArray();
            fields.Remove(fields.Single(f => f!["type"]!.GetValue<string>() == "file"));
        }
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    private static MultipartFormDataContent Form(byte[] bytes)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "hair.png");
        return form;
    }

    [Fact]
    public async Task PageWithoutFileField_RefusesUploads_NothingStored()
    {
        await using var app = await StartAsync(withFileField: false);
        using var form = Form(Png);
        var response = await app.CreateClient().PostAsync($"/api/v1/pages/{Slug}/uploads", form);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, app.WithDb(db => db.Uploads.Count()));
    }

    [Fact]
    public async Task PageWithInactiveFileService_RefusesUploads()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        var doc = Config();
        doc["pages"]![0]!["services"]![0]!["active"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        using var form = Form(Png);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().PostAsync($"/api/v1/pages/{Slug}/uploads", form)).StatusCode);
    }

    [Fact]
    public async Task PageWithFileField_TakesASmallFile()
    {
        await using var app = await StartAsync(withFileField: true);
        using var form = Form(Png);
        Assert.Equal(HttpStatusCode.Created, (await app.CreateClient().PostAsync($"/api/v1/pages/{Slug}/uploads", form)).StatusCode);
    }

    /// <summary>On a real Kestrel port, so the bytes that leave the client are the bytes the server chose to read.</summary>
    [Fact]
    public async Task ChunkedBodyOverTheLimit_StopsReading_413ProblemDetails()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bookwell-test-{Guid.NewGuid():N}.db");
        using var node = Node.Start($"Data Source={file}", new Dictionary<string, string> { ["Bookwell__Database"] = "sqlite" });
        await node.WaitReadyAsync();
        using var admin = node.Client();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BookwellApp.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);

        // A raw socket: HttpClient gives up on the whole exchange when the server closes before the body is sent,
        // but a browser (and this test) reads the early answer.
        const string boundary = "bw-test-boundary";
        var head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n");
        var source = new EndlessBody(head, 60L * Mb);
        using var tcp = new System.Net.Sockets.TcpClient { SendBufferSize = 64 * 1024 };
        await tcp.ConnectAsync(node.BaseAddress.Host, node.BaseAddress.Port);
        var stream = tcp.GetStream();
        var answer = new MemoryStream();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer)) > 0)
                {
                    lock (answer)
                    {
                        answer.Write(buffer, 0, n);
                    }
                }
            }
            catch (IOException)
            {
                // the server closed the connection after answering
            }
        });
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/v1/pages/{Slug}/uploads HTTP/1.1\r\nHost: {node.BaseAddress.Authority}\r\nTransfer-Encoding: chunked\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"));
        var chunk = new byte[64 * 1024];
        try
        {
            int n;
            while (!reading.IsCompleted && (n = source.Read(chunk, 0, chunk.Length)) > 0)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{n:x}\r\n"));
                await stream.WriteAsync(chunk.AsMemory(0, n));
                await stream.WriteAsync("\r\n"u8.ToArray());
            }
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // the server stopped reading and closed the connection
        }
        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        string text;
        lock (answer)
        {
            text = Encoding.UTF8.GetString(answer.ToArray());
        }

        Assert.StartsWith("HTTP/1.1 413", text, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", text, StringComparison.Ordinal);
        Assert.Contains("/too-large", text, StringComparison.Ordinal);
        // The server stopped at the 5 MB limit instead of reading all 60 MB (what is above 5 MB sat in socket buffers).
        Assert.True(source.Served < 20L * Mb, $"served {source.Served} bytes");
    }

    /// <summary>A PNG-looking part that goes on for <c>total</c> bytes without a closing boundary, made as it is read.</summary>
    private sealed class EndlessBody(byte[] head, long total) : Stream
    {
        public long Served { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Served >= total)
            {
                return 0;
            }
            var n = (int)Math.Min(count, total - Served);
            for (var i = 0; i < n; i++)
            {
                var at = Served + i;
                buffer[offset + i] = at < head.Length ? head[at] : at - head.Length < Png.Length ? Png[at - head.Length] : (byte)'x';
            }
            Served += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Served; set => throw new NotSupportedException(); }
        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
