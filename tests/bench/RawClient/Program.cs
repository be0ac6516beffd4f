using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace ArtRest.Bench.RawClient
{
    /// <summary>
    /// The baseline for ArtRest's throughput: a plain HttpClient that signs in once to the ART API
    /// (token with the client credentials, then a connection) and pushes N messages with the same
    /// headers and body shape as Send-ArtMessage, keeping up to C requests in flight.
    ///
    ///   RawClient &lt;base-uri&gt; &lt;count&gt; &lt;concurrency&gt; [warm-up count]
    ///
    /// Before the timed run it pushes a few messages untimed (default 500) and pauses, so the JIT
    /// and the connection pool are warm. Writes one JSON object to stdout; exit code 1 on any failure.
    /// </summary>
    internal static class Program
    {
        private const string Organization = "demo-org";
        private const string Environment = "dev";
        private const string ProjectKey = "demo-project";
        private const string ClientId = "demo-client-id";
        private const string ClientSecret = "demo-client-secret";
        private const string UserName = "bench";

        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private static async Task<int> Main(string[] args)
        {
            if (args.Length < 3 || args.Length > 4
                || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1
                || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out int concurrency) || concurrency < 1)
            {
                Console.Error.WriteLine("usage: RawClient <base-uri> <count> <concurrency> [warm-up count]");
                return 2;
            }

            int warmup = args.Length == 4 ? int.Parse(args[3], NumberStyles.None, CultureInfo.InvariantCulture) : 500;
            string baseUri = args[0].TrimEnd('/');

            // Like ArtRest's transport: pooled keep-alive connections, no cookies, no redirects.
            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 256 })
            {
                Timeout = TimeSpan.FromSeconds(30),
            };

            try
            {
                string accessToken = await SignInAsync(http, baseUri, "/auth/token", null, "access_token").ConfigureAwait(false);
                string bearer = "Bearer " + accessToken;
                string connectionId = await SignInAsync(http, baseUri, "/v1/connect/new-connection", bearer, "connection_id").ConfigureAwait(false);
                var pusher = new Pusher(http, new Uri(baseUri + "/v1/push-message"), bearer, connectionId);

                if (warmup > 0)
                {
                    await pusher.RunAsync(warmup, concurrency, "w").ConfigureAwait(false);
                    await Task.Delay(300).ConfigureAwait(false);   // lets tiered JIT finish the hot methods
                }

                var stopwatch = Stopwatch.StartNew();
                await pusher.RunAsync(count, concurrency, "m").ConfigureAwait(false);
                stopwatch.Stop();

                using var stdout = Console.OpenStandardOutput();
                using (var writer = new Utf8JsonWriter(stdout))
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("messagesPerSecond", Math.Round(count / stopwatch.Elapsed.TotalSeconds, 1));
                    writer.WriteNumber("messages", count);
                    writer.WriteNumber("concurrency", concurrency);
                    writer.WriteNumber("elapsedMs", Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1));
                    writer.WriteNumber("warmupMessages", warmup);
                    writer.WriteEndObject();
                }

                Console.WriteLine();
                return 0;
            }
            catch (Exception failure)
            {
                Console.Error.WriteLine("RawClient failed: " + failure.Message);
                return 1;
            }
        }

        /// <summary>Token (client credentials) or connection (bearer): returns one string of the reply's data.</summary>
        private static async Task<string> SignInAsync(HttpClient http, string baseUri, string path, string? bearer, string property)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, baseUri + path);
            AddIdentityHeaders(request.Headers);
            if (bearer == null)
            {
                request.Headers.TryAddWithoutValidation("Client-Id", ClientId);
                request.Headers.TryAddWithoutValidation("Client-Secret", ClientSecret);
            }
            else
            {
                request.Headers.TryAddWithoutValidation("Authorization", bearer);
            }

            request.Content = JsonBody(writer => writer.WriteString("username", UserName));
            using HttpResponseMessage response = await http.SendAsync(request).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException(path + " answered " + (int)response.StatusCode + ": " + text);
            }

            using JsonDocument reply = JsonDocument.Parse(text);
            return reply.RootElement.GetProperty("data").GetProperty(property).GetString()
                ?? throw new InvalidOperationException(path + " returned no " + property + ".");
        }

        private static void AddIdentityHeaders(HttpRequestHeaders headers)
        {
            headers.TryAddWithoutValidation("X-Org", Organization);
            headers.TryAddWithoutValidation("Environment", Environment);
            headers.TryAddWithoutValidation("ProjectKey", ProjectKey);
        }

        private static ByteArrayContent JsonBody(Action<Utf8JsonWriter> writeProperties)
        {
            using var buffer = new MemoryStream(256);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writeProperties(writer);
                writer.WriteEndObject();
            }

            var content = new ByteArrayContent(buffer.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return content;
        }

        /// <summary>Pushes messages 1..count, with up to <c>concurrency</c> requests in flight.</summary>
        private sealed class Pusher
        {
            private readonly HttpClient _http;
            private readonly Uri _pushUri;
            private readonly string _bearer;
            private readonly string _connectionId;

            public Pusher(HttpClient http, Uri pushUri, string bearer, string connectionId)
            {
                _http = http;
                _pushUri = pushUri;
                _bearer = bearer;
                _connectionId = connectionId;
            }

            public Task RunAsync(int count, int concurrency, string prefix)
            {
                int next = 0;
                var workers = new Task[Math.Min(concurrency, count)];
                for (int i = 0; i < workers.Length; i++)
                {
                    workers[i] = Task.Run(async () =>
                    {
                        int number;
                        while ((number = Interlocked.Increment(ref next)) <= count)
                        {
                            await PushAsync(prefix + number.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                        }
                    });
                }

                return Task.WhenAll(workers);
            }

            private async Task PushAsync(string content)
            {
                // The request Send-ArtMessage sends for a pipeline row with Channel and Content.
                using var request = new HttpRequestMessage(HttpMethod.Post, _pushUri);
                AddIdentityHeaders(request.Headers);
                request.Headers.TryAddWithoutValidation("Authorization", _bearer);
                request.Content = JsonBody(writer =>
                {
                    writer.WriteString("channel", "bench");
                    writer.WriteString("event", "message");
                    writer.WriteString("content", content);
                    writer.WriteString("connection_id", _connectionId);
                });

                using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                byte[] body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException("push-message answered " + (int)response.StatusCode + ": " + System.Text.Encoding.UTF8.GetString(body));
                }
            }
        }
    }
}
