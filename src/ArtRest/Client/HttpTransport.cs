using System;
using System.Net.Http;
using System.Reflection;
using System.Net.Sockets;

namespace ArtRest.Client
{
    /// <summary>
    /// The process's HttpClients: one per distinct transport setting, reused by every call and
    /// every cmdlet invocation so connections stay pooled. Timeouts are per request (a
    /// cancellation token), so the clients themselves never time out.
    /// </summary>
    internal static class HttpTransport
    {
        private static readonly Lazy<HttpClient> Validating = new Lazy<HttpClient>(() => Create(skipCertificateCheck: false));
        private static readonly Lazy<HttpClient> NotValidating = new Lazy<HttpClient>(() => Create(skipCertificateCheck: true));

        // .NET 8+ says on HttpRequestException whether the request was ever sent; netstandard2.0
        // cannot name the property, so it is looked up once.
        private static readonly PropertyInfo? HttpRequestErrorProperty =
            typeof(HttpRequestException).GetProperty("HttpRequestError");

        public static HttpClient For(bool skipCertificateCheck) =>
            skipCertificateCheck ? NotValidating.Value : Validating.Value;

        /// <summary>
        /// True when the failure happened before the request could reach the server (no
        /// connection, no name, no TLS), so even a push may be sent again.
        /// </summary>
        public static bool FailedBeforeSending(Exception exception)
        {
            if (exception is HttpRequestException request && HttpRequestErrorProperty != null)
            {
                string? error = HttpRequestErrorProperty.GetValue(request)?.ToString();
                if (error == "ConnectionError" || error == "NameResolutionError" || error == "SecureConnectionError")
                {
                    return true;
                }
            }

            for (Exception? inner = exception; inner != null; inner = inner.InnerException)
            {
                if (inner is SocketException socket)
                {
                    switch (socket.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                        case SocketError.HostNotFound:
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.TryAgain:
                        case SocketError.AddressNotAvailable:
                            return true;
                    }
                }
            }

            return false;
        }

        private static HttpClient Create(bool skipCertificateCheck)
        {
            var handler = new HttpClientHandler
            {
                // Never follow a redirect with the credentials headers on.
                AllowAutoRedirect = false,
                UseCookies = false,
                // Windows PowerShell's default is two connections per server; -ThrottleLimit needs more.
                MaxConnectionsPerServer = 256,
            };
            if (skipCertificateCheck)
            {
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => true;
            }

            return new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }
    }
}
