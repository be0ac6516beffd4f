using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ArtRest.Client
{
    /// <summary>
    /// Reads ART's answers: the success envelope {"status","data","message"}, the error bodies
    /// {"error"} and the RBAC body {"message","error_code","errors"}, and anything else a proxy
    /// or a broken server sends, without losing the status.
    /// </summary>
    internal static class ResponseReader
    {
        public static T Interpret<T>(ArtEndpoint endpoint, ArtSession session, int status, byte[] body, TimeSpan? retryAfter, Func<JsonElement, T> readData)
        {
            JsonDocument? document = TryParse(body);
            using (document)
            {
                bool success = status >= 200 && status < 300;
                JsonElement root = document?.RootElement ?? default;
                bool isObject = document != null && root.ValueKind == JsonValueKind.Object;

                if (success && isObject && !root.TryGetProperty("data", out _) && ReportedFailure(root) is int reported)
                {
                    // A 200 that carries an error inside: believe the error, keep the status it reported.
                    return Throw<T>(Failure(endpoint, session, reported, root, body, retryAfter, httpStatus: status));
                }

                if (success)
                {
                    if (document == null)
                    {
                        throw Unreadable(endpoint, status, body.Length == 0 ? "the body is empty" : "the body is not JSON", Text(body), session);
                    }

                    if (!isObject)
                    {
                        throw Unreadable(endpoint, status, "the body is not a JSON object", Text(body), session);
                    }

                    if (!root.TryGetProperty("data", out JsonElement data))
                    {
                        throw Unreadable(endpoint, status, "the success envelope has no \"data\"", Text(body), session);
                    }

                    try
                    {
                        return readData(data);
                    }
                    catch (DataShapeException wrongShape)
                    {
                        throw Unreadable(endpoint, status, wrongShape.Message, Text(body), session);
                    }
                }

                throw Failure(endpoint, session, status, isObject ? root : (JsonElement?)null, body, retryAfter, httpStatus: status);
            }
        }

        internal static ArtApiException Unreadable(ArtEndpoint endpoint, int status, string why, string? rawBody, ArtSession? session = null) =>
            new ArtApiException(
                ArtErrorKind.UnreadableResponse,
                "ART's answer to " + endpoint + " (HTTP " + status + ") could not be read: " + why + ".",
                status, endpoint, serverError: null, serverMessage: null, errorCode: null,
                Array.Empty<object?>(), rawBody == null ? null : Redaction.RedactAndTruncate(rawBody, session), retryAfter: null)
            {
                RecommendedAction = "Check that the base URI points at ART's REST API; if it does, the service may be failing: try again later.",
            };

        private static ArtApiException Failure(ArtEndpoint endpoint, ArtSession session, int status, JsonElement? root, byte[] body, TimeSpan? retryAfter, int httpStatus)
        {
            // The server's own words reach messages and views: a server that echoes a secret must not leak it.
            Func<string, string> redact = text => Redaction.Redact(text, session);
            string? error = root is JsonElement r1 ? StringProperty(r1, "error", redact) : null;
            string? message = root is JsonElement r2 ? StringProperty(r2, "message", redact) : null;
            string? errorCode = root is JsonElement r3 ? StringProperty(r3, "error_code", redact) : null;
            IReadOnlyList<object?> errors = root is JsonElement r4 && r4.TryGetProperty("errors", out JsonElement list) && list.ValueKind == JsonValueKind.Array
                ? ToList(list, redact)
                : Array.Empty<object?>();

            ArtErrorKind kind = Classify(endpoint, status, error ?? message, errors.Count > 0 || (message?.StartsWith("[RBAC]", StringComparison.Ordinal) ?? false));
            string serverText = message ?? error ?? (root == null && body.Length > 0 ? "a body that is not JSON" : "no details");
            string statusText = httpStatus == status ? "HTTP " + status : "HTTP " + httpStatus + " carrying an error with status " + status;
            string text = kind == ArtErrorKind.PushOutcomeUnknown
                ? "The message may or may not have reached ART: it answered " + statusText + " (" + serverText + "). It was not sent again, so that it cannot arrive twice."
                : "ART answered " + statusText + " to " + endpoint + ": " + serverText;

            return new ArtApiException(
                kind, text, status, endpoint, error, message, errorCode, errors,
                Redaction.RedactAndTruncate(Text(body), session), retryAfter);
        }

        private static ArtErrorKind Classify(ArtEndpoint endpoint, int status, string? serverText, bool rbac)
        {
            switch (status)
            {
                case 400:
                    return serverText != null && serverText.IndexOf("Missing tenant", StringComparison.OrdinalIgnoreCase) >= 0
                        ? ArtErrorKind.MissingTenant
                        : ArtErrorKind.BadRequest;
                case 401:
                    return endpoint.Auth == ArtAuth.ClientCredentials ? ArtErrorKind.InvalidCredentials : ArtErrorKind.InvalidToken;
                case 403:
                    return rbac ? ArtErrorKind.RbacForbidden : ArtErrorKind.Forbidden;
                case 404:
                    return ArtErrorKind.NotFound;
                case 429:
                    return ArtErrorKind.RateLimited;
                case 502:
                case 503:
                case 504:
                    return ArtErrorKind.ServiceUnavailable;
            }

            if (status >= 500)
            {
                // A push the server failed on may have been processed in part: never resend it silently.
                return endpoint.SafeToResend ? ArtErrorKind.ServerError : ArtErrorKind.PushOutcomeUnknown;
            }

            return ArtErrorKind.HttpError;
        }

        /// <summary>The status an error envelope reports inside a 2xx, when it reports one.</summary>
        private static int? ReportedFailure(JsonElement root)
        {
            if (root.TryGetProperty("status", out JsonElement status) && status.ValueKind == JsonValueKind.Number
                && status.TryGetInt32(out int code) && code >= 400)
            {
                return code;
            }

            return root.TryGetProperty("error", out _) ? 500 : (int?)null;
        }

        private static JsonDocument? TryParse(byte[] body)
        {
            if (body.Length == 0)
            {
                return null;
            }

            try
            {
                return JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static string? StringProperty(JsonElement root, string name, Func<string, string> redact) =>
            root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? redact(value.GetString() ?? string.Empty) : null;

        private static string Text(byte[] body) => Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, Redaction.MaxBodyChars * 2));

        private static T Throw<T>(Exception exception) => throw exception;

        /// <summary>Thrown by a data reader when "data" has the wrong shape; Interpret adds the status and body.</summary>
        internal sealed class DataShapeException : Exception
        {
            public DataShapeException(string why)
                : base(why)
            {
            }
        }

        /// <summary>JSON values as plain .NET values, objects as ordered dictionaries, for PowerShell's dot notation.</summary>
        internal static IReadOnlyList<object?> ToList(JsonElement array, Func<string, string> redact)
        {
            var items = new List<object?>(array.GetArrayLength());
            foreach (JsonElement item in array.EnumerateArray())
            {
                items.Add(ToValue(item, redact));
            }

            return items;
        }

        private static object? ToValue(JsonElement element, Func<string, string> redact)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var map = new System.Collections.Specialized.OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        map[property.Name] = ToValue(property.Value, redact);
                    }

                    return map;
                case JsonValueKind.Array:
                    return ToList(element, redact);
                case JsonValueKind.String:
                    return redact(element.GetString() ?? string.Empty);
                case JsonValueKind.Number:
                    return element.TryGetInt64(out long whole) ? (object)whole : element.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }
    }
}
