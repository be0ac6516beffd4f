using System;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

public sealed class RedactionTests
{
    private const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c3JfMSIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlX2J5dGVz-_x";

    [Theory]
    [InlineData("passcode")]
    [InlineData("access_token")]
    [InlineData("refresh_token")]
    [InlineData("client_secret")]
    [InlineData("clientSecret")]
    [InlineData("Client-Secret")]
    [InlineData("T-pass")]
    [InlineData("token")]
    [InlineData("password")]
    [InlineData("secret")]
    [InlineData("ACCESS_TOKEN")]
    [InlineData("Refresh_Token")]
    public void SecretPropertyValues_AreReplaced_OthersKept(string property)
    {
        string json = "{\"username\":\"alice\",\"" + property + "\" : \"s3cr3t-VALUE-42\",\"message\":\"kept\"}";

        string redacted = Redaction.Redact(json);

        Assert.DoesNotContain("s3cr3t", redacted);
        Assert.Contains("\"" + property + "\" : \"" + Redaction.Marker + "\"", redacted);
        Assert.Contains("\"username\":\"alice\"", redacted);
        Assert.Contains("\"message\":\"kept\"", redacted);
    }

    [Fact]
    public void ASecretWithEscapedQuotes_IsReplacedWhole()
    {
        string json = "{\"passcode\":\"ab\\\"cd\\\\\\\"ef\",\"n\":1}";

        string redacted = Redaction.Redact(json);

        Assert.Equal("{\"passcode\":\"***\",\"n\":1}", redacted);
    }

    [Fact]
    public void TextWithoutSecrets_IsUnchanged()
    {
        const string json = "{\"status\":401,\"error\":\"Invalid token\",\"username\":\"tokenless\",\"errors\":[{\"reason\":\"x\"}]}";

        Assert.Equal(json, Redaction.Redact(json));
        Assert.Equal(json, Redaction.RedactAndTruncate(json));
    }

    [Fact]
    public void JwtShapedStrings_AreReplacedAnywhere()
    {
        Assert.Equal("Authorization: Bearer *** (sent)", Redaction.Redact("Authorization: Bearer " + Jwt + " (sent)"));
        Assert.Equal("{\"note\":\"***\"}", Redaction.Redact("{\"note\":\"" + Jwt + "\"}"));
        Assert.Equal("a *** b *** c", Redaction.Redact("a " + Jwt + " b " + Jwt + " c"));
    }

    [Fact]
    public void ASecretCutOffByTruncation_LeavesNothingOfItself()
    {
        string secret = new('Q', 300);
        string prefix = "{\"pad\":\"" + new string('x', Redaction.MaxBodyChars - 150) + "\",\"refresh_token\":\"";
        string body = prefix + secret + "\",\"tail\":\"" + new string('y', 500) + "\"}";
        Assert.True(prefix.Length < Redaction.MaxBodyChars && prefix.Length + secret.Length > Redaction.MaxBodyChars);

        string redacted = Redaction.RedactAndTruncate(body);

        Assert.DoesNotContain("QQ", redacted);
        Assert.Contains("\"refresh_token\":\"" + Redaction.Marker + "\"", redacted);
        Assert.True(redacted.Length < body.Length);
    }

    [Fact]
    public void AJwtCutOffByTruncation_LeavesNothingOfItsPayload()
    {
        string padding = new('x', Redaction.MaxBodyChars - 50);
        string body = padding + " " + Jwt + " after";
        Assert.True(padding.Length + 1 + Jwt.Length > Redaction.MaxBodyChars);

        string redacted = Redaction.RedactAndTruncate(body);

        Assert.DoesNotContain("eyJ", redacted);
        Assert.Contains(Redaction.Marker, redacted);
    }

    [Fact]
    public void LongText_IsCutAndSaysHowMuchWasCut()
    {
        string body = new string('a', Redaction.MaxBodyChars) + new string('b', 1234);

        string redacted = Redaction.RedactAndTruncate(body);

        Assert.StartsWith(new string('a', Redaction.MaxBodyChars), redacted);
        Assert.DoesNotContain("b", redacted.Substring(0, Redaction.MaxBodyChars));
        Assert.Contains("1234", redacted);
        Assert.True(redacted.Length < Redaction.MaxBodyChars + 100);
    }

    [Fact]
    public void ShortText_IsNotCut()
    {
        string body = new('a', Redaction.MaxBodyChars);

        Assert.Equal(body, Redaction.RedactAndTruncate(body));
    }
}
