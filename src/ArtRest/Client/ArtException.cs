using System;
using System.Collections.Generic;

namespace ArtRest.Client
{
    /// <summary>An ArtRest failure that is not an answer from the server (bad input, transport, session state).</summary>
    public class ArtException : Exception
    {
        public ArtException(ArtErrorKind kind, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            Kind = kind;
        }

        public ArtErrorKind Kind { get; }

        /// <summary>What the user can do about it; shown as the ErrorRecord's recommended action.</summary>
        public string? RecommendedAction { get; set; }
    }

    /// <summary>
    /// The server answered with a failure, or with something that could not be read.
    /// Keeps everything the server said, with secrets removed from the raw body.
    /// </summary>
    public sealed class ArtApiException : ArtException
    {
        internal ArtApiException(
            ArtErrorKind kind,
            string message,
            int statusCode,
            ArtEndpoint endpoint,
            string? serverError,
            string? serverMessage,
            string? errorCode,
            IReadOnlyList<object?> errors,
            string? rawBody,
            TimeSpan? retryAfter,
            Exception? innerException = null)
            : base(kind, message, innerException)
        {
            StatusCode = statusCode;
            Endpoint = endpoint.Path;
            Method = endpoint.Method;
            ServerError = serverError;
            ServerMessage = serverMessage;
            ErrorCode = errorCode;
            Errors = errors;
            RawBody = rawBody;
            RetryAfter = retryAfter;
        }

        /// <summary>HTTP status of the response (0 when none arrived).</summary>
        public int StatusCode { get; }

        /// <summary>The path called, relative to the base URI, e.g. /v1/push-message.</summary>
        public string Endpoint { get; }

        public string Method { get; }

        /// <summary>The body's "error" text, when it had one.</summary>
        public string? ServerError { get; }

        /// <summary>The body's "message" text, when it had one.</summary>
        public string? ServerMessage { get; }

        /// <summary>The body's "error_code", when it had one (RBAC bodies carry it).</summary>
        public string? ErrorCode { get; }

        /// <summary>
        /// The RBAC "errors" items exactly as sent, one per JSON value, as plain .NET values
        /// (objects become dictionaries) so PowerShell reads them with dot notation.
        /// </summary>
        public IReadOnlyList<object?> Errors { get; }

        /// <summary>The response body, truncated and with secrets replaced by a marker.</summary>
        public string? RawBody { get; }

        /// <summary>The server's Retry-After, when it sent one.</summary>
        public TimeSpan? RetryAfter { get; }

        /// <summary>The server's own words: "message" first (as the ADKs read it), then "error".</summary>
        public string? ServerText => ServerMessage ?? ServerError;
    }
}
