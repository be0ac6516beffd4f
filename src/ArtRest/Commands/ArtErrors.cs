using System.Collections.Generic;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// The one table from failure kind to ErrorId, category and what to do about it (used where
    /// the failure itself does not say). ErrorIds are stable: scripts and tests match on them
    /// ('ArtRbacForbidden,ArtRest.Commands.SendArtMessageCommand').
    /// </summary>
    internal static class ArtErrors
    {
        private static readonly Dictionary<ArtErrorKind, (string ErrorId, ErrorCategory Category, string Action)> Table =
            new Dictionary<ArtErrorKind, (string, ErrorCategory, string)>
            {
                [ArtErrorKind.BadRequest] = ("ArtBadRequest", ErrorCategory.InvalidArgument,
                    "Check the parameters against ART's API; the server's message says which one it refused."),
                [ArtErrorKind.MissingTenant] = ("ArtMissingTenant", ErrorCategory.InvalidArgument,
                    "Give -Organization (or Org-Title in the configuration file, or ART_ORG)."),
                [ArtErrorKind.InvalidCredentials] = ("ArtInvalidCredentials", ErrorCategory.AuthenticationError,
                    "Check the client id and secret (or the passcode); a passcode expires: run New-ArtPasscode again."),
                [ArtErrorKind.InvalidToken] = ("ArtInvalidToken", ErrorCategory.AuthenticationError,
                    "Run Get-ArtToken and New-ArtConnection again to get a new token."),
                [ArtErrorKind.RbacForbidden] = ("ArtRbacForbidden", ErrorCategory.PermissionDenied,
                    "Ask an ART administrator for access; $_.Exception.Errors says which rule denied it."),
                [ArtErrorKind.Forbidden] = ("ArtForbidden", ErrorCategory.PermissionDenied,
                    "The credentials lack permission for this call; ask an ART administrator."),
                [ArtErrorKind.NotFound] = ("ArtNotFound", ErrorCategory.ObjectNotFound,
                    "Check -Organization, -Environment and -ProjectKey; for a push, run New-ArtConnection again."),
                [ArtErrorKind.RateLimited] = ("ArtRateLimited", ErrorCategory.LimitsExceeded,
                    "Send more slowly (lower -ThrottleLimit) or raise -MaximumRetryCount; ART asked to wait $_.Exception.RetryAfter."),
                [ArtErrorKind.ServerError] = ("ArtServerError", ErrorCategory.InvalidResult,
                    "ART failed on its side: try again later."),
                [ArtErrorKind.ServiceUnavailable] = ("ArtServiceUnavailable", ErrorCategory.ConnectionError,
                    "ART or a proxy in front of it is unavailable: try again later, or raise -MaximumRetryCount."),
                [ArtErrorKind.HttpError] = ("ArtHttpError", ErrorCategory.InvalidResult,
                    "Check the base URI; the status and $_.Exception.RawBody tell what the server said."),
                [ArtErrorKind.UnreadableResponse] = ("ArtUnreadableResponse", ErrorCategory.InvalidResult,
                    "Check that the base URI points at ART's REST API; if it does, the service may be failing: try again later."),
                [ArtErrorKind.Timeout] = ("ArtTimeout", ErrorCategory.OperationTimeout,
                    "Try again, or raise -TimeoutSec."),
                [ArtErrorKind.ConnectionFailed] = ("ArtConnectionFailed", ErrorCategory.ConnectionError,
                    "Check the base URI and the network, then try again."),
                [ArtErrorKind.PushOutcomeUnknown] = ("ArtPushOutcomeUnknown", ErrorCategory.ConnectionError,
                    "Check whether it arrived; to send it again, pipe the error's TargetObject to Send-ArtMessage."),
                [ArtErrorKind.InvalidParameter] = ("ArtInvalidParameter", ErrorCategory.InvalidArgument,
                    "Correct the parameter named in the message."),
                [ArtErrorKind.ConfigurationMissing] = ("ArtConfigurationMissing", ErrorCategory.InvalidArgument,
                    "Give each value as a parameter, in an adk-services.json file named by -ConfigurationPath, or in the ART_* environment variables."),
                [ArtErrorKind.ConfigurationFileNotFound] = ("ArtConfigurationFileNotFound", ErrorCategory.ObjectNotFound,
                    "Check -ConfigurationPath."),
                [ArtErrorKind.ConfigurationFileInvalid] = ("ArtConfigurationFileInvalid", ErrorCategory.InvalidData,
                    "Fix the file: a JSON object with the string keys Client-ID, Client-Secret, Org-Title, Environment and ProjectKey."),
                [ArtErrorKind.InsecureTransport] = ("ArtInsecureTransport", ErrorCategory.SecurityError,
                    "Use an https:// base URI, or pass -AllowUnencryptedAuthentication if you accept the risk."),
                [ArtErrorKind.ContentNotSerializable] = ("ArtContentNotSerializable", ErrorCategory.InvalidArgument,
                    "Pass a string, or an object without cycles (select the properties you want with Select-Object)."),
                [ArtErrorKind.ContentTooLarge] = ("ArtContentTooLarge", ErrorCategory.LimitsExceeded,
                    "Send a smaller message, or split the content over several messages."),
                [ArtErrorKind.InvalidAccessToken] = ("ArtInvalidAccessToken", ErrorCategory.InvalidData,
                    "Run Get-ArtToken to get a new token from ART."),
                [ArtErrorKind.SessionStageMissing] = ("ArtSessionStageMissing", ErrorCategory.InvalidOperation,
                    "Pipe the session through the step named in the message first."),
                [ArtErrorKind.NoDefaultSession] = ("ArtNoDefaultSession", ErrorCategory.InvalidOperation,
                    "New-ArtPasscode ... | Get-ArtToken | New-ArtConnection, then Send-ArtMessage; or pass -Session."),
                [ArtErrorKind.SessionExpired] = ("ArtSessionExpired", ErrorCategory.AuthenticationError,
                    "Run Get-ArtToken (with -Credential or -Passcode) and New-ArtConnection again."),
                [ArtErrorKind.UnexpectedFailure] = ("ArtUnexpectedFailure", ErrorCategory.NotSpecified,
                    "This is a bug in ArtRest: please report it with $_.Exception.InnerException."),
            };

        public static string ErrorId(ArtErrorKind kind) => Table[kind].ErrorId;

        public static ErrorRecord ToErrorRecord(ArtException exception, object? targetObject)
        {
            (string errorId, ErrorCategory category, string action) = Table[exception.Kind];
            var record = new ErrorRecord(exception, errorId, category, targetObject)
            {
                ErrorDetails = new ErrorDetails(DetailsOf(exception)) { RecommendedAction = exception.RecommendedAction ?? action },
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
