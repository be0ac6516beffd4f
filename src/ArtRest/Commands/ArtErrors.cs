using System.Collections.Generic;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// The one table from failure kind to ErrorId and category. ErrorIds are stable: scripts and
    /// tests match on them ('ArtRbacForbidden,ArtRest.Commands.SendArtMessageCommand').
    /// </summary>
    internal static class ArtErrors
    {
        private static readonly Dictionary<ArtErrorKind, (string ErrorId, ErrorCategory Category)> Table =
            new Dictionary<ArtErrorKind, (string, ErrorCategory)>
            {
                [ArtErrorKind.BadRequest] = ("ArtBadRequest", ErrorCategory.InvalidArgument),
                [ArtErrorKind.MissingTenant] = ("ArtMissingTenant", ErrorCategory.InvalidArgument),
                [ArtErrorKind.InvalidCredentials] = ("ArtInvalidCredentials", ErrorCategory.AuthenticationError),
                [ArtErrorKind.InvalidToken] = ("ArtInvalidToken", ErrorCategory.AuthenticationError),
                [ArtErrorKind.RbacForbidden] = ("ArtRbacForbidden", ErrorCategory.PermissionDenied),
                [ArtErrorKind.Forbidden] = ("ArtForbidden", ErrorCategory.PermissionDenied),
                [ArtErrorKind.NotFound] = ("ArtNotFound", ErrorCategory.ObjectNotFound),
                [ArtErrorKind.RateLimited] = ("ArtRateLimited", ErrorCategory.LimitsExceeded),
                [ArtErrorKind.ServerError] = ("ArtServerError", ErrorCategory.InvalidResult),
                [ArtErrorKind.ServiceUnavailable] = ("ArtServiceUnavailable", ErrorCategory.ConnectionError),
                [ArtErrorKind.HttpError] = ("ArtHttpError", ErrorCategory.InvalidResult),
                [ArtErrorKind.UnreadableResponse] = ("ArtUnreadableResponse", ErrorCategory.InvalidResult),
                [ArtErrorKind.Timeout] = ("ArtTimeout", ErrorCategory.OperationTimeout),
                [ArtErrorKind.ConnectionFailed] = ("ArtConnectionFailed", ErrorCategory.ConnectionError),
                [ArtErrorKind.PushOutcomeUnknown] = ("ArtPushOutcomeUnknown", ErrorCategory.ConnectionError),
                [ArtErrorKind.InvalidParameter] = ("ArtInvalidParameter", ErrorCategory.InvalidArgument),
                [ArtErrorKind.ConfigurationMissing] = ("ArtConfigurationMissing", ErrorCategory.InvalidArgument),
                [ArtErrorKind.ConfigurationFileNotFound] = ("ArtConfigurationFileNotFound", ErrorCategory.ObjectNotFound),
                [ArtErrorKind.ConfigurationFileInvalid] = ("ArtConfigurationFileInvalid", ErrorCategory.InvalidData),
                [ArtErrorKind.InsecureTransport] = ("ArtInsecureTransport", ErrorCategory.SecurityError),
                [ArtErrorKind.ContentNotSerializable] = ("ArtContentNotSerializable", ErrorCategory.InvalidArgument),
                [ArtErrorKind.ContentTooLarge] = ("ArtContentTooLarge", ErrorCategory.LimitsExceeded),
                [ArtErrorKind.InvalidAccessToken] = ("ArtInvalidAccessToken", ErrorCategory.InvalidData),
                [ArtErrorKind.SessionStageMissing] = ("ArtSessionStageMissing", ErrorCategory.InvalidOperation),
                [ArtErrorKind.NoDefaultSession] = ("ArtNoDefaultSession", ErrorCategory.InvalidOperation),
                [ArtErrorKind.SessionExpired] = ("ArtSessionExpired", ErrorCategory.AuthenticationError),
            };

        public static string ErrorId(ArtErrorKind kind) => Table[kind].ErrorId;

        public static ErrorRecord ToErrorRecord(ArtException exception, object? targetObject)
        {
            (string errorId, ErrorCategory category) = Table[exception.Kind];
            var record = new ErrorRecord(exception, errorId, category, targetObject)
            {
                ErrorDetails = new ErrorDetails(DetailsOf(exception)) { RecommendedAction = exception.RecommendedAction ?? string.Empty },
            };
            return record;
        }

        /// <summary>The exception's text, plus the RBAC items so the default error view shows why.</summary>
        private static string DetailsOf(ArtException exception)
        {
            if (!(exception is ArtApiException api) || api.Errors.Count == 0)
            {
                return exception.Message;
            }

            var text = new StringBuilder(exception.Message);
            foreach (object? item in api.Errors)
            {
                text.AppendLine().Append("  - ").Append(Describe(item));
            }

            return text.ToString();
        }

        private static string Describe(object? item)
        {
            if (item is System.Collections.IDictionary map && map["reason"] is string reason)
            {
                return reason;
            }

            return JsonSerializer.Serialize(item);
        }
    }
}
