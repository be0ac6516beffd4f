using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace ArtRest.Client
{
    /// <summary>
    /// The one place that talks to ART: builds every request (headers, body), sends it with
    /// timeout, retry and cancellation, reads the envelope, and keeps the session's token fresh.
    /// Holds no state of its own beyond the options of one cmdlet invocation.
    /// </summary>
    public sealed class ArtClient
    {
        /// <summary>Responses larger than this are not read further: no answer of ART's is near it.</summary>
        public const int MaxResponseBytes = 1024 * 1024;

        private static readonly object JitterLock = new object();
        private static readonly Random Jitter = new Random();

        private readonly ArtCallOptions _options;
        private readonly HttpClient _http;

        public ArtClient(ArtCallOptions options)
        {
            _options = options;
            _http = HttpTransport.For(options.SkipCertificateCheck);
        }

        public async Task<ArtSession> NewPasscodeAsync(ArtSession identity, CancellationToken cancellation)
        {
            string passcode = await SendAsync(
                ArtEndpoint.Passcode, identity, RequestBodies.User(identity), bearer: null, sendPasscode: false,
                data => RequiredString(data, "passcode"), cancellation).ConfigureAwait(false);
            return identity.WithPasscode(Secrets.ToSecureString(passcode));
        }

        public async Task<ArtSession> GetTokenAsync(ArtSession session, CancellationToken cancellation)
        {
            TokenSet tokens = await SignInAsync(session, sendPasscode: true, cancellation).ConfigureAwait(false);
            return session.WithTokens(tokens);
        }

        /// <summary>Refreshes the session's token now (Get-ArtToken -Refresh), in place.</summary>
        public Task RefreshAsync(ArtSession session, CancellationToken cancellation) =>
            RenewTokensAsync(session, session.Tokens, cancellation);

        public async Task<ArtSession> NewConnectionAsync(ArtSession session, CancellationToken cancellation)
        {
            string connectionId = await SendAuthorizedAsync(
                ArtEndpoint.NewConnection, session, RequestBodies.User(session),
                data => RequiredString(data, "connection_id"), cancellation).ConfigureAwait(false);
            return session.WithConnection(connectionId);
        }

        /// <summary>Pushes one message; returns the server's message text.</summary>
        public Task<string> PushAsync(ArtSession session, ArtMessage message, CancellationToken cancellation)
        {
            string connectionId = session.ConnectionId ?? throw StageMissing(session, ArtSessionStage.Connected);
            return SendAuthorizedAsync(
                ArtEndpoint.Push, session, RequestBodies.Push(message, connectionId),
                data => data.ValueKind == JsonValueKind.String
                    ? data.GetString() ?? string.Empty
                    : throw WrongData("a string", data),
                cancellation);
        }

        /// <summary>Refuses credentials over plain http, loopback aside, unless the caller opted in.</summary>
        public static void EnsureTransportAllowed(Uri baseUri, bool allowUnencryptedAuthentication)
        {
            if (baseUri.Scheme == Uri.UriSchemeHttps || allowUnencryptedAuthentication || IsLoopback(baseUri))
            {
                return;
            }

            throw new ArtException(
                ArtErrorKind.InsecureTransport,
                "ArtRest will not send credentials or tokens to '" + baseUri.GetLeftPart(UriPartial.Authority)
                + "' over unencrypted http.")
            {
                RecommendedAction = "Use an https:// base URI, or pass -AllowUnencryptedAuthentication if you accept the risk.",
            };
        }

        internal static bool IsLoopback(Uri uri) =>
            uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out IPAddress? address) && IPAddress.IsLoopback(address));

        internal static ArtException StageMissing(ArtSession session, ArtSessionStage needed)
        {
            string step = needed == ArtSessionStage.Connected ? "New-ArtConnection" : "Get-ArtToken";
            return new ArtException(
                ArtErrorKind.SessionStageMissing,
                "The session is at stage '" + session.Stage + "' but this needs stage '" + needed
                + "': run " + step + " on it first.")
            {
                RecommendedAction = "Pipe the session through " + step + " first, e.g. New-ArtPasscode ... | Get-ArtToken | New-ArtConnection | Send-ArtMessage ...",
            };
        }

        private Task<TokenSet> SignInAsync(ArtSession session, bool sendPasscode, CancellationToken cancellation) =>
            SendAsync(
                ArtEndpoint.Token, session, RequestBodies.User(session), bearer: null, sendPasscode,
                data => ReadTokens(data, previousRefreshToken: null), cancellation);

        /// <summary>
        /// Calls a protected endpoint with a fresh token; a 401 triggers exactly one renewal and
        /// one retry (the server refused the call, so even a push may go again).
        /// </summary>
        private async Task<T> SendAuthorizedAsync<T>(
            ArtEndpoint endpoint, ArtSession session, byte[] body, Func<JsonElement, T> readData, CancellationToken cancellation)
        {
            TokenSet tokens = session.Tokens ?? throw StageMissing(session, ArtSessionStage.Token);
            if (tokens.ExpiresWithinMargin(DateTime.UtcNow))
            {
                try
                {
                    await RenewTokensAsync(session, tokens, cancellation).ConfigureAwait(false);
                }
                catch (ArtException early) when (tokens.ExpiresAt > DateTime.UtcNow && early.Kind != ArtErrorKind.SessionExpired)
                {
                    // Renewing ahead of time failed, but the token still works: use it while it lasts.
                    Verbose("Could not renew the token ahead of its expiry (" + early.Message + "); using it until it expires.");
                }

                tokens = session.Tokens!;
            }

            try
            {
                return await SendAsync(endpoint, session, body, tokens.BearerHeader, sendPasscode: false, readData, cancellation).ConfigureAwait(false);
            }
            catch (ArtApiException unauthorized) when (unauthorized.StatusCode == 401)
            {
                Verbose("ART refused the token (401: " + unauthorized.ServerText + "); renewing it and trying once more.");
                await RenewTokensAsync(session, tokens, cancellation).ConfigureAwait(false);
                return await SendAsync(endpoint, session, body, session.Tokens!.BearerHeader, sendPasscode: false, readData, cancellation).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Single-flight renewal: callers that saw the same token wait at the session's gate;
        /// the first one renews, the rest find a newer token and use it.
        /// Refresh first; when the refresh token is expired or refused, sign in again.
        /// A server fault on refresh keeps the tokens held and is reported (the ADKs' behaviour).
        /// </summary>
        private async Task RenewTokensAsync(ArtSession session, TokenSet? seen, CancellationToken cancellation)
        {
            await session.RefreshGate.WaitAsync(cancellation).ConfigureAwait(false);
            try
            {
                TokenSet? current = session.Tokens;
                if (!ReferenceEquals(current, seen))
                {
                    return;
                }

                if (current != null && current.RefreshTokenUsable(DateTime.UtcNow))
                {
                    try
                    {
                        Verbose("Refreshing the access token of " + session.UserName + " (expires " + current.ExpiresAt.ToString("u") + ").");
                        string refreshToken = Secrets.ToPlainText(current.RefreshToken!);
                        session.SetTokens(await SendAsync(
                            ArtEndpoint.Refresh, session, RequestBodies.Refresh(refreshToken), bearer: null, sendPasscode: true,
                            data => ReadTokens(data, refreshToken), cancellation).ConfigureAwait(false));
                        return;
                    }
                    catch (ArtApiException refused) when (refused.StatusCode == 400 || refused.StatusCode == 401 || refused.StatusCode == 403)
                    {
                        Verbose("ART refused the refresh token (" + refused.StatusCode + ": " + refused.ServerText + "); signing in again.");
                    }
                }

                if (!session.CanSignIn)
                {
                    throw new ArtException(
                        ArtErrorKind.SessionExpired,
                        "The session's token has expired and it cannot be refreshed; the session holds no client secret or passcode to sign in again.")
                    {
                        RecommendedAction = "Run Get-ArtToken (with -Credential or -Passcode) and New-ArtConnection again.",
                    };
                }

                Verbose("Signing in again as " + session.UserName + ".");
                // A held passcode may have expired by now; with a client secret it is not needed.
                session.SetTokens(await SignInAsync(session, sendPasscode: Secrets.IsNullOrEmpty(session.ClientSecret), cancellation).ConfigureAwait(false));
            }
            finally
            {
                session.RefreshGate.Release();
            }
        }

        /// <summary>Sends with retries: transient failures wait (backoff with jitter, or Retry-After) within the retry budget.</summary>
        private async Task<T> SendAsync<T>(
            ArtEndpoint endpoint, ArtSession session, byte[] body, string? bearer, bool sendPasscode,
            Func<JsonElement, T> readData, CancellationToken cancellation)
        {
            EnsureTransportAllowed(session.BaseUri, _options.AllowUnencryptedAuthentication);
            TimeSpan waited = TimeSpan.Zero;
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return await SendOnceAsync(endpoint, session, body, bearer, sendPasscode, readData, cancellation).ConfigureAwait(false);
                }
                catch (ArtException failure) when (attempt <= _options.MaximumRetryCount && IsTransient(endpoint, failure))
                {
                    TimeSpan delay = RetryDelay(attempt, failure);
                    if (waited + delay > ArtCallOptions.RetryBudget)
                    {
                        Verbose("Not retrying " + endpoint + ": waiting " + Seconds(delay) + " would exceed the retry budget of " + Seconds(ArtCallOptions.RetryBudget) + ".");
                        throw;
                    }

                    Verbose("Retrying " + endpoint + " after " + Describe(failure) + ": attempt " + (attempt + 1) + " of "
                        + (_options.MaximumRetryCount + 1) + ", waiting " + Seconds(delay) + ".");
                    await Task.Delay(delay, cancellation).ConfigureAwait(false);
                    waited += delay;
                }
            }
        }

        private async Task<T> SendOnceAsync<T>(
            ArtEndpoint endpoint, ArtSession session, byte[] body, string? bearer, bool sendPasscode,
            Func<JsonElement, T> readData, CancellationToken cancellation)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, session.EndpointUri(endpoint));
            AddHeaders(request.Headers, endpoint, session, bearer, sendPasscode);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            TraceRequest(request, body, session);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(_options.Timeout);
            long started = Stopwatch.GetTimestamp();
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw TimedOut(endpoint);
            }
            catch (HttpRequestException failure)
            {
                throw TransportFailed(endpoint, failure);
            }

            using (response)
            {
                byte[] responseBody;
                try
                {
                    responseBody = await ReadBoundedAsync(response, endpoint, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    throw TimedOut(endpoint);
                }
                catch (Exception failure) when (failure is IOException || failure is HttpRequestException)
                {
                    throw TransportFailed(endpoint, failure);
                }

                int status = (int)response.StatusCode;
                TraceResponse(endpoint, session, status, responseBody, started);
                return ResponseReader.Interpret(endpoint, session, status, responseBody, RetryAfterOf(response), readData);
            }
        }

        private static void AddHeaders(HttpRequestHeaders headers, ArtEndpoint endpoint, ArtSession session, string? bearer, bool sendPasscode)
        {
            headers.TryAddWithoutValidation("X-Org", session.Organization);
            headers.TryAddWithoutValidation("Environment", session.Environment);
            headers.TryAddWithoutValidation("ProjectKey", session.ProjectKey);
            switch (endpoint.Auth)
            {
                case ArtAuth.Bearer:
                    headers.TryAddWithoutValidation("Authorization", bearer);
                    return;
                case ArtAuth.ClientCredentials:
                    AddIfPresent(headers, "Client-Id", session.ClientId);
                    if (!Secrets.IsNullOrEmpty(session.ClientSecret))
                    {
                        headers.TryAddWithoutValidation("Client-Secret", Secrets.ToPlainText(session.ClientSecret!));
                    }

                    break;
                case ArtAuth.RefreshToken:
                    AddIfPresent(headers, "Client-Id", session.ClientId);
                    break;
            }

            if (sendPasscode && !Secrets.IsNullOrEmpty(session.Passcode))
            {
                headers.TryAddWithoutValidation("T-pass", Secrets.ToPlainText(session.Passcode!));
            }
        }

        private static void AddIfPresent(HttpRequestHeaders headers, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                headers.TryAddWithoutValidation(name, value);
            }
        }

        private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, ArtEndpoint endpoint, CancellationToken cancellation)
        {
            long? declared = response.Content.Headers.ContentLength;
            if (declared > MaxResponseBytes)
            {
                throw TooLarge(endpoint, (int)response.StatusCode);
            }

            using Stream stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using CancellationTokenRegistration abort = cancellation.Register(() => stream.Dispose());
            var buffer = new MemoryStream(declared is long length ? (int)length : 512);
            byte[] chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, 0, chunk.Length, cancellation).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    throw TooLarge(endpoint, (int)response.StatusCode);
                }

                buffer.Write(chunk, 0, read);
            }

            cancellation.ThrowIfCancellationRequested();
            return buffer.ToArray();
        }

        private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
        {
            RetryConditionHeaderValue? retryAfter = response.Headers.RetryAfter;
            if (retryAfter?.Delta is TimeSpan delta)
            {
                return delta;
            }

            if (retryAfter?.Date is DateTimeOffset date)
            {
                TimeSpan until = date - DateTimeOffset.UtcNow;
                return until > TimeSpan.Zero ? until : TimeSpan.Zero;
            }

            return null;
        }

        /// <summary>
        /// 429, 502, 503, 504 and failures before sending are retried for every endpoint; a 500,
        /// a timeout or a connection lost after sending only where the call is safe to resend.
        /// A push that may have arrived is never resent: its failure has kind PushOutcomeUnknown.
        /// </summary>
        private static bool IsTransient(ArtEndpoint endpoint, ArtException failure)
        {
            switch (failure.Kind)
            {
                case ArtErrorKind.RateLimited:
                case ArtErrorKind.ServiceUnavailable:
                    return true;
                case ArtErrorKind.ConnectionFailed:
                case ArtErrorKind.Timeout:
                case ArtErrorKind.ServerError:
                    return endpoint.SafeToResend || failure.Data.Contains(NotSentKey);
                default:
                    return false;
            }
        }

        private TimeSpan RetryDelay(int attempt, ArtException failure)
        {
            if (failure is ArtApiException api && api.RetryAfter is TimeSpan retryAfter && (api.StatusCode == 429 || api.StatusCode == 503))
            {
                return retryAfter;
            }

            double baseSeconds = _options.RetryInterval.TotalSeconds * Math.Pow(2, attempt - 1);
            double jitter;
            lock (JitterLock)
            {
                jitter = Jitter.NextDouble();
            }

            // Half fixed, half random: spreads many clients out without ever retrying at once.
            return TimeSpan.FromSeconds(baseSeconds * (0.5 + (jitter * 0.5)));
        }

        private const string NotSentKey = "ArtRest.NotSent";

        private ArtException TransportFailed(ArtEndpoint endpoint, Exception failure)
        {
            if (HttpTransport.FailedBeforeSending(failure))
            {
                var notSent = new ArtException(
                    ArtErrorKind.ConnectionFailed,
                    "Could not reach ART for " + endpoint + ": " + failure.GetBaseException().Message, failure)
                {
                    RecommendedAction = "Check the base URI and the network, then try again.",
                };
                notSent.Data[NotSentKey] = true;
                return notSent;
            }

            if (!endpoint.SafeToResend)
            {
                return OutcomeUnknown("the connection failed after the request was sent (" + failure.GetBaseException().Message + ")", failure);
            }

            return new ArtException(
                ArtErrorKind.ConnectionFailed,
                "The connection to ART failed during " + endpoint + ": " + failure.GetBaseException().Message, failure)
            {
                RecommendedAction = "Check the network and try again.",
            };
        }

        private ArtException TimedOut(ArtEndpoint endpoint)
        {
            if (!endpoint.SafeToResend)
            {
                return OutcomeUnknown("no answer came within " + Seconds(_options.Timeout), null);
            }

            return new ArtException(ArtErrorKind.Timeout, "ART did not answer " + endpoint + " within " + Seconds(_options.Timeout) + ".")
            {
                RecommendedAction = "Try again, or raise -TimeoutSec.",
            };
        }

        internal static ArtException OutcomeUnknown(string why, Exception? inner) => new ArtException(
            ArtErrorKind.PushOutcomeUnknown,
            "The message may or may not have reached ART: " + why + ". It was not sent again, so that it cannot arrive twice.",
            inner)
        {
            RecommendedAction = "Check whether it arrived; to send it again, pipe the error's TargetObject to Send-ArtMessage.",
        };

        private static ArtApiException TooLarge(ArtEndpoint endpoint, int status) => ResponseReader.Unreadable(
            endpoint, status, "the response body is larger than " + (MaxResponseBytes / 1024) + " KiB; it was not read further", rawBody: null);

        private static TokenSet ReadTokens(JsonElement data, string? previousRefreshToken)
        {
            if (data.ValueKind != JsonValueKind.Object)
            {
                throw WrongData("an object", data);
            }

            string accessToken = RequiredString(data, "access_token");
            string? refreshToken = data.TryGetProperty("refresh_token", out JsonElement refresh) && refresh.ValueKind == JsonValueKind.String
                ? refresh.GetString()
                : previousRefreshToken;
            string? userName = data.TryGetProperty("username", out JsonElement user) && user.ValueKind == JsonValueKind.String
                ? user.GetString()
                : null;
            return TokenSet.FromServer(accessToken, refreshToken, userName);
        }

        private static string RequiredString(JsonElement data, string property)
        {
            if (data.ValueKind != JsonValueKind.Object)
            {
                throw WrongData("an object", data);
            }

            if (data.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String
                && value.GetString() is string text && text.Length > 0)
            {
                return text;
            }

            throw new ResponseReader.DataShapeException("its data has no \"" + property + "\" string");
        }

        private static Exception WrongData(string expected, JsonElement data) =>
            new ResponseReader.DataShapeException("its data is " + data.ValueKind + " where " + expected + " was expected");

        private static string Describe(ArtException failure) =>
            failure is ArtApiException api && api.StatusCode != 0
                ? "HTTP " + api.StatusCode + (api.ServerText != null ? " (" + api.ServerText + ")" : string.Empty)
                : failure.Kind.ToString();

        private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

        private void Verbose(string text)
        {
            IArtLog? log = _options.Log;
            if (log != null && log.VerboseEnabled)
            {
                log.Verbose(text);
            }
        }

        private void TraceRequest(HttpRequestMessage request, byte[] body, ArtSession session)
        {
            IArtLog? log = _options.Log;
            if (log == null || !log.DebugEnabled)
            {
                return;
            }

            var text = new StringBuilder();
            text.Append("HTTP request: ").Append(request.Method).Append(' ').Append(request.RequestUri);
            foreach (KeyValuePair<string, IEnumerable<string>> header in request.Headers)
            {
                bool secret = header.Key == "Client-Secret" || header.Key == "T-pass" || header.Key == "Authorization";
                text.Append("\n  ").Append(header.Key).Append(": ")
                    .Append(secret ? (header.Key == "Authorization" ? "Bearer " : string.Empty) + Redaction.Marker : string.Join(", ", header.Value));
            }

            text.Append("\n  body: ").Append(Redaction.RedactAndTruncate(Encoding.UTF8.GetString(body), session));
            log.Debug(text.ToString());
        }

        private void TraceResponse(ArtEndpoint endpoint, ArtSession session, int status, byte[] body, long started)
        {
            IArtLog? log = _options.Log;
            if (log == null || !(log.DebugEnabled || log.VerboseEnabled))
            {
                return;
            }

            double milliseconds = (Stopwatch.GetTimestamp() - started) * 1000.0 / Stopwatch.Frequency;
            string summary = endpoint + ": HTTP " + status + " in " + milliseconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " ms";
            if (log.DebugEnabled)
            {
                log.Debug("HTTP response: " + summary + "\n  body: " + Redaction.RedactAndTruncate(Encoding.UTF8.GetString(body), session));
            }
            else
            {
                log.Verbose(summary);
            }
        }
    }
}
