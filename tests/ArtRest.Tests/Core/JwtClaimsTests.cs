using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

public sealed class JwtClaimsTests : EmulatorTests
{
    private const string Signature = "SeCrEtSiGnAtUrE";
    private static readonly DateTime Nov2023 = new(2023, 11, 14, 22, 13, 20, DateTimeKind.Utc); // 1700000000

    public JwtClaimsTests(CoreEmulator emulator)
        : base(emulator)
    {
    }

    internal static string B64Url(string text) => B64Url(Encoding.UTF8.GetBytes(text));

    internal static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static string Jwt(string payloadJson) => B64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64Url(payloadJson) + "." + Signature;

    [Fact]
    public async Task ReadsTheClaimsOfAnEmulatorToken_AndTheLifetimeItCarries()
    {
        // A lifetime other than the default: the client must read it from the token, not assume it.
        await Emu.SettingsAsync(tokenLifetimeSeconds: 123);
        DateTime before = DateTime.UtcNow.AddSeconds(-2);
        ArtSession session = await CoreEmulator.Client().GetTokenAsync(Emu.Identity("jwt-reader"), CancellationToken.None);

        JwtClaims claims = JwtClaims.Read(CoreEmulator.Plain(session.AccessToken));

        Assert.Equal("jwt-reader", claims.UserName);
        Assert.NotNull(claims.Subject);
        Assert.StartsWith("usr_", claims.Subject);
        Assert.Equal(claims.Subject, session.UserId);
        Assert.NotNull(claims.IssuedAt);
        Assert.Equal(TimeSpan.FromSeconds(123), claims.ExpiresAt - claims.IssuedAt!.Value);
        Assert.Equal(DateTimeKind.Utc, claims.ExpiresAt.Kind);
        Assert.InRange(claims.IssuedAt.Value, before, DateTime.UtcNow.AddSeconds(2));
        Assert.Equal(claims.ExpiresAt, session.TokenExpiresAt);
    }

    [Fact]
    public void ReadsAHandMadeToken()
    {
        JwtClaims claims = JwtClaims.Read(Jwt("{\"exp\":1700000000,\"iat\":1699996400,\"sub\":\"u-42\",\"username\":\"ann\",\"name\":\"Ann Smith\"}"));

        Assert.Equal(Nov2023, claims.ExpiresAt);
        Assert.Equal(DateTimeKind.Utc, claims.ExpiresAt.Kind);
        Assert.Equal(Nov2023.AddHours(-1), claims.IssuedAt);
        Assert.Equal("u-42", claims.Subject);
        Assert.Equal("ann", claims.UserName);
    }

    [Fact]
    public void FallsBackToName_AndLeavesAbsentClaimsNull()
    {
        JwtClaims claims = JwtClaims.Read(Jwt("{\"exp\":1700000000,\"name\":\"Bob\"}"));

        Assert.Equal("Bob", claims.UserName);
        Assert.Null(claims.IssuedAt);
        Assert.Null(claims.Subject);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("ab")]
    [InlineData("abc")]
    [InlineData("?>?>?>?>?>?>?>?>~~~~")]
    [InlineData("\u00fb\u00ff\u00fe\u00fb\u00ff\u00fe")]
    public void DecodesBase64Url_WithAnyPadding(string subject)
    {
        string payload = "{\"exp\":1700000000,\"sub\":\"" + subject + "\"}";
        JwtClaims claims = JwtClaims.Read(Jwt(payload));

        Assert.Equal(subject, claims.Subject);
    }

    [Fact]
    public void TheBase64UrlCase_ReallyUsesTheUrlAlphabet()
    {
        // Guards the theory above: at least one of its payloads must contain '-' or '_'.
        string segment = B64Url("{\"exp\":1700000000,\"sub\":\"?>?>?>?>?>?>?>?>~~~~\"}") + B64Url("{\"exp\":1700000000,\"sub\":\"\u00fb\u00ff\u00fe\u00fb\u00ff\u00fe\"}");
        Assert.True(segment.IndexOf('-') >= 0 || segment.IndexOf('_') >= 0, segment);
    }

    public static TheoryData<string, string> NotReadable()
    {
        string header = B64Url("{\"alg\":\"none\"}");
        return new TheoryData<string, string>
        {
            { "not a JWT at all", "not-a-jwt-" + Signature },
            { "two parts", header + "." + Signature },
            { "four parts", header + "." + B64Url("{\"exp\":1700000000}") + "." + Signature + ".extra" },
            { "empty payload", header + ".." + Signature },
            { "bad base64 characters", header + ".@@@@!!!!." + Signature },
            { "impossible base64 length", header + ".abcde." + Signature },
            { "payload not JSON", header + "." + B64Url("this is not json " + Signature) + "." + Signature },
            { "payload an array", header + "." + B64Url("[1700000000]") + "." + Signature },
            { "payload a string", header + "." + B64Url("\"exp\"") + "." + Signature },
            { "no exp", Jwt("{\"sub\":\"u\",\"username\":\"" + Signature + "\"}") },
            { "exp null", Jwt("{\"exp\":null}") },
            { "exp fractional", Jwt("{\"exp\":1700000000.5}") },
            { "exp negative", Jwt("{\"exp\":-5}") },
            { "exp past year 9999", Jwt("{\"exp\":999999999999999}") },
            { "exp a string", Jwt("{\"exp\":\"1700000000\"}") },
            { "exp an object", Jwt("{\"exp\":{\"at\":1700000000}}") },
        };
    }

    [Theory]
    [MemberData(nameof(NotReadable))]
    public void RejectsWhatIsNotAJwtWithExp_AsInvalidAccessToken_WithoutQuotingIt(string why, string token)
    {
        Exception? thrown = Record.Exception(() => JwtClaims.Read(token));

        ArtException error = Assert.IsAssignableFrom<ArtException>(thrown);
        Assert.True(error.Kind == ArtErrorKind.InvalidAccessToken, why + ": kind " + error.Kind);
        Assert.DoesNotContain(Signature, error.Message);
        string[] parts = token.Split('.');
        foreach (string part in parts)
        {
            if (part.Length >= 8)
            {
                Assert.DoesNotContain(part, error.Message);
            }
        }

        Assert.False(string.IsNullOrEmpty(error.RecommendedAction));
    }

    [Fact]
    public void AnIatThatIsNotANumber_DoesNotCrash()
    {
        // "iat" is optional: a token whose iat is not a number is either read (iat unknown) or
        // rejected as InvalidAccessToken, never an unrelated exception.
        Exception? thrown = Record.Exception(() => JwtClaims.Read(Jwt("{\"exp\":1700000000,\"iat\":\"yesterday\"}")));

        Assert.True(
            thrown == null || (thrown is ArtException art && art.Kind == ArtErrorKind.InvalidAccessToken),
            "unexpected " + thrown);
    }

    [Theory]
    [InlineData("0123abcdef.1700000000", true)]
    [InlineData("opaque-part.1700000000", true)]
    [InlineData("no-dot-at-all", false)]
    [InlineData("ends-with-dot.", false)]
    [InlineData("opaque.not-a-number", false)]
    [InlineData("opaque.17000000x0", false)]
    [InlineData("opaque.-1700000000", false)]
    [InlineData("opaque.0", false)]
    [InlineData("opaque.99999999999999999", false)]
    [InlineData("three.part.1700000000", false)]
    [InlineData("", false)]
    public void RefreshTokenExpiryHint(string refreshToken, bool readable)
    {
        DateTime? expiry = JwtClaims.ReadRefreshTokenExpiry(refreshToken);

        if (readable)
        {
            Assert.Equal(Nov2023, expiry);
            Assert.Equal(DateTimeKind.Utc, expiry!.Value.Kind);
        }
        else
        {
            Assert.Null(expiry);
        }
    }

    [Fact]
    public void ARefreshTokenThatIsAJwt_HasNoExpiryHint()
    {
        Assert.Null(JwtClaims.ReadRefreshTokenExpiry(Jwt("{\"exp\":1700000000}")));
    }

    [Fact]
    public async Task TheEmulatorsRefreshToken_GivesItsExpiry()
    {
        await Emu.SettingsAsync(refreshTokenLifetimeSeconds: 7200);
        DateTime before = DateTime.UtcNow;
        ArtSession session = await CoreEmulator.Client().GetTokenAsync(Emu.Identity("hinted"), CancellationToken.None);

        Assert.NotNull(session.RefreshTokenExpiresAt);
        Assert.InRange(session.RefreshTokenExpiresAt!.Value, before.AddSeconds(7200 - 2), DateTime.UtcNow.AddSeconds(7200 + 2));
        Assert.Equal(
            JwtClaims.ReadRefreshTokenExpiry(CoreEmulator.Plain(session.RefreshToken)),
            session.RefreshTokenExpiresAt);
    }
}
