using System;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

/// <summary>Answers that are not what ART documents: never a crash, never a lost status.</summary>
public sealed class HostileResponseTests : EmulatorTests
{
    private const string TokenPath = "/auth/token";
    private const string PushPath = "/v1/push-message";

    private ArtSession _session = null!;

    public HostileResponseTests(CoreEmulator emulator)
        : base(emulator)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _session = await Emu.ConnectedAsync("hostile-user");
    }

    private Task Call(string path, ArtClient client) =>
        path == PushPath
            ? client.PushAsync(_session, CoreEmulator.Message(), CancellationToken.None)
            : client.GetTokenAsync(Emu.Identity("hostile-user"), CancellationToken.None);

    private async Task<ArtApiException> FailsAsync(string path)
    {
        Exception? thrown = await Record.ExceptionAsync(() => Call(path, CoreEmulator.Client(retries: 0, timeoutMs: 10_000)));
        Assert.NotNull(thrown);
        return Assert.IsType<ArtApiException>(thrown);
    }

    [Theory]
    [InlineData(TokenPath, "html", ArtErrorKind.ServiceUnavailable, 502)]
    [InlineData(PushPath, "html", ArtErrorKind.ServiceUnavailable, 502)]
    [InlineData(TokenPath, "empty", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(PushPath, "empty", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(TokenPath, "truncated", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(PushPath, "truncated", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(TokenPath, "no-data", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(PushPath, "no-data", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(TokenPath, "wrong-data", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(PushPath, "wrong-data", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(TokenPath, "error-in-200", ArtErrorKind.ServerError, 500)]
    [InlineData(PushPath, "error-in-200", ArtErrorKind.PushOutcomeUnknown, 500)]
    [InlineData(TokenPath, "huge", ArtErrorKind.UnreadableResponse, 200)]
    [InlineData(PushPath, "huge", ArtErrorKind.UnreadableResponse, 200)]
    public async Task EachHostileAnswer_IsAnArtApiException_WithTheStatusKept(string path, string kind, ArtErrorKind expected, int status)
    {
        await Emu.AddFaultAsync(path, kind: kind, count: -1);

        ArtApiException error = await FailsAsync(path);

        Assert.Equal(expected, error.Kind);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(path, error.Endpoint);
        Assert.Contains("HTTP " + (kind == "error-in-200" ? 200 : status), error.Message);
        if (kind == "huge")
        {
            Assert.Contains("KiB", error.Message);
            Assert.True(error.RawBody == null || error.RawBody.Length < 10_000);
        }
    }

    [Fact]
    public async Task AnHtmlPage_IsKeptAsTheRawBody()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "html", count: -1);

        ArtApiException error = await FailsAsync(TokenPath);

        Assert.Contains("<title>502 Bad Gateway</title>", error.RawBody);
        Assert.Null(error.ServerError);
        Assert.Null(error.ServerMessage);
        Assert.Contains("not JSON", error.Message);
    }

    [Fact]
    public async Task AnHtmlPageWith200_IsUnreadable()
    {
        await Emu.AddFaultAsync(PushPath, kind: "html", status: 200, count: -1);

        ArtApiException error = await FailsAsync(PushPath);

        Assert.Equal(ArtErrorKind.UnreadableResponse, error.Kind);
        Assert.Equal(200, error.StatusCode);
        Assert.Contains("<html>", error.RawBody);
    }

    [Fact]
    public async Task ATruncatedBody_IsKeptAsTheRawBody()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "truncated", count: -1);

        ArtApiException error = await FailsAsync(TokenPath);

        Assert.Equal("{\"status\":200,\"data\":{\"acc", error.RawBody);
        Assert.Contains("not JSON", error.Message);
    }

    [Fact]
    public async Task AnEnvelopeWithoutData_SaysSo()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "no-data", count: -1);

        ArtApiException error = await FailsAsync(TokenPath);

        Assert.Contains("\"data\"", error.Message);
        Assert.Contains("Authenticated", error.RawBody);
    }

    [Theory]
    [InlineData(TokenPath)]
    [InlineData(PushPath)]
    public async Task DataOfTheWrongShape_KeepsTheRawBody(string path)
    {
        await Emu.AddFaultAsync(path, kind: "wrong-data", count: -1);

        ArtApiException error = await FailsAsync(path);

        Assert.Equal(ArtErrorKind.UnreadableResponse, error.Kind);
        Assert.NotNull(error.RawBody);
        Assert.Contains(path == PushPath ? "unexpected" : "12345", error.RawBody);
    }

    [Theory]
    [InlineData(TokenPath, "wrong-data")]
    [InlineData(PushPath, "wrong-data")]
    [InlineData(TokenPath, "no-data")]
    public async Task AnUnreadable2xxOtherThan200_KeepsItsOwnStatus(string path, string kind)
    {
        await Emu.AddFaultAsync(path, kind: kind, status: 201, count: -1);

        ArtApiException error = await FailsAsync(path);

        Assert.Equal(ArtErrorKind.UnreadableResponse, error.Kind);
        Assert.Equal(201, error.StatusCode);
    }

    [Fact]
    public async Task AnErrorInside200_KeepsTheServersWords()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "error-in-200", count: -1);

        ArtApiException error = await FailsAsync(TokenPath);

        Assert.Equal("Internal failure", error.ServerError);
        Assert.Contains("HTTP 200 carrying an error with status 500", error.Message);
        Assert.Equal("{\"status\":500,\"error\":\"Internal failure\"}", error.RawBody);
    }

    [Fact]
    public async Task AnErrorInside200_IsRetriedLikeTheStatusItReports()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "error-in-200", count: 1);

        ArtSession session = await CoreEmulator.Client(retries: 2).GetTokenAsync(Emu.Identity("error-in-200"), CancellationToken.None);

        Assert.NotNull(session.AccessToken);
        Assert.Equal(2, (await Emu.StatsAsync()).Token);
    }

    [Theory]
    [InlineData("{\"status\":\"failed\",\"error\":\"went wrong\"}")]
    [InlineData("{\"status\":\"ok\",\"message\":\"no data here\"}")]
    [InlineData("{\"status\":null,\"message\":\"x\"}")]
    [InlineData("{\"status\":1e99,\"error\":\"huge status\"}")]
    [InlineData("{\"status\":[500],\"error\":\"array status\"}")]
    public async Task A200WhoseStatusFieldIsNotAnInteger_DoesNotCrash(string body)
    {
        await Emu.AddFaultAsync(TokenPath, status: 200, body: body, count: -1);

        ArtApiException error = await FailsAsync(TokenPath);

        Assert.True(error.Kind == ArtErrorKind.UnreadableResponse || error.Kind == ArtErrorKind.ServerError, error.Kind.ToString());
        Assert.Equal(body, error.RawBody);
    }

    [Theory]
    [InlineData("\"just a string\"")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    [InlineData("42")]
    public async Task A200ThatIsNotAJsonObject_IsUnreadable(string body)
    {
        await Emu.AddFaultAsync(PushPath, status: 200, body: body, count: -1);

        ArtApiException error = await FailsAsync(PushPath);

        Assert.Equal(ArtErrorKind.UnreadableResponse, error.Kind);
        Assert.Equal(200, error.StatusCode);
        Assert.Equal(body, error.RawBody);
    }

    [Fact]
    public async Task A500WithAnHtmlBody_KeepsStatusAndBody()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "html", status: 500, count: -1);

        ArtApiException error = await FailsAsync(TokenPath);

        Assert.Equal(ArtErrorKind.ServerError, error.Kind);
        Assert.Equal(500, error.StatusCode);
        Assert.Contains("500 Internal Server Error", error.RawBody);
    }

    [Fact]
    public async Task ATokenThatIsNotAJwt_IsInvalidAccessToken_WithoutQuotingIt()
    {
        await Emu.AddFaultAsync(TokenPath, status: 200, count: -1,
            body: "{\"status\":200,\"data\":{\"access_token\":\"opaque-not-a-jwt-token\",\"refresh_token\":\"r.1\"},\"message\":\"Authenticated\"}");

        Exception? thrown = await Record.ExceptionAsync(() => Call(TokenPath, CoreEmulator.Client(retries: 0)));

        ArtException error = Assert.IsAssignableFrom<ArtException>(thrown);
        Assert.Equal(ArtErrorKind.InvalidAccessToken, error.Kind);
        Assert.DoesNotContain("opaque-not-a-jwt-token", error.Message);
    }

    [Theory]
    [InlineData("{\"status\":200,\"data\":{\"refresh_token\":\"r.1\"},\"message\":\"Authenticated\"}")]
    [InlineData("{\"status\":200,\"data\":{\"access_token\":\"\",\"refresh_token\":\"r.1\"},\"message\":\"Authenticated\"}")]
    [InlineData("{\"status\":200,\"data\":{\"access_token\":42},\"message\":\"Authenticated\"}")]
    public async Task ATokenAnswerWithoutAnAccessToken_IsUnreadable(string body)
    {
        await Emu.AddFaultAsync(TokenPath, status: 200, count: -1, body: body);

        ArtApiException error = await FailsAsync(TokenPath);

        Assert.Equal(ArtErrorKind.UnreadableResponse, error.Kind);
        Assert.Contains("access_token", error.Message);
    }
}
