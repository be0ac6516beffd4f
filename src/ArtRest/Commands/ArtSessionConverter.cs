using System;
using System.Management.Automation;
using System.Security;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// Rebuilds a live ArtSession from its serialized form (Export-Clixml, Start-Job, remoting),
    /// so a session that crossed a process boundary binds to -Session again and can still refresh.
    /// Registered for ArtRest.Client.ArtSession in ArtRest.types.ps1xml.
    /// </summary>
    public sealed class ArtSessionConverter : PSTypeConverter
    {
        private const string DeserializedTypeName = "Deserialized.ArtRest.Client.ArtSession";

        public override bool CanConvertFrom(object sourceValue, Type destinationType) =>
            destinationType == typeof(ArtSession) && sourceValue is PSObject source && LooksLikeSession(source);

        public override object ConvertFrom(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase)
        {
            if (!(sourceValue is PSObject source) || !LooksLikeSession(source))
            {
                throw new PSInvalidCastException("The object is not a serialized ArtRest session.");
            }

            var identity = new ArtSession(
                ArtSettings.ParseBaseUri(Text(source, "BaseUri")!),
                Text(source, "Organization")!,
                Text(source, "Environment")!,
                Text(source, "ProjectKey")!,
                Text(source, "ClientId"),
                Secure(source, "ClientSecret"),
                Text(source, "UserName")!,
                Text(source, "FirstName"),
                Text(source, "LastName"));
            SecureString? accessToken = Secure(source, "AccessToken");
            TokenSet? tokens = accessToken == null ? null : TokenSet.FromSecure(accessToken, Secure(source, "RefreshToken"));
            return ArtSession.Restore(identity, Secure(source, "Passcode"), tokens, Text(source, "ConnectionId"));
        }

        public override bool CanConvertTo(object sourceValue, Type destinationType) => false;

        public override object ConvertTo(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) =>
            throw new NotSupportedException();

        /// <summary>A deserialized session by its type name, or any object with a session's identity properties.</summary>
        private static bool LooksLikeSession(PSObject source)
        {
            if (source.BaseObject is ArtSession)
            {
                return false;
            }

            if (source.TypeNames.Contains(DeserializedTypeName))
            {
                return true;
            }

            return Text(source, "BaseUri") != null && Text(source, "Organization") != null && Text(source, "Environment") != null
                && Text(source, "ProjectKey") != null && Text(source, "UserName") != null;
        }

        private static string? Text(PSObject source, string name)
        {
            object? value = Value(source, name);
            string? text = value is Uri uri ? uri.OriginalString : value?.ToString();
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }

        private static SecureString? Secure(PSObject source, string name) => Value(source, name) as SecureString;

        private static object? Value(PSObject source, string name)
        {
            object? value = source.Properties[name]?.Value;
            return value is PSObject wrapped ? wrapped.BaseObject : value;
        }
    }
}
