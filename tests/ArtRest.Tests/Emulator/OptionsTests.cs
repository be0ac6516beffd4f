using System;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Emulator;
using Xunit;

namespace ArtRest.Tests.Emulator;

/// <summary>Command line, configuration file and the CLI entry point.</summary>
public sealed class OptionsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "art-emulator-tests-" + Guid.NewGuid().ToString("N"));

    public OptionsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private string WriteConfig(string json)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void NoArguments_GiveTheEmbeddedDefault()
    {
        EmulatorOptions o = EmulatorOptions.Parse(Array.Empty<string>());
        Assert.Equal(5280, o.Port);
        Assert.Equal("127.0.0.1", o.Host);
        Assert.Equal(3600, o.TokenLifetimeSeconds);
        Assert.Equal(86400, o.RefreshTokenLifetimeSeconds);
        Assert.Equal(600, o.PasscodeLifetimeSeconds);
        Assert.Equal(0, o.LatencyMs);
        Assert.False(o.ShowHelp);
        TenantOptions t = Assert.Single(o.Tenants);
        Assert.Equal("demo-org", t.Org);
        Assert.Equal("dev", t.Environment);
        Assert.Equal("demo-project", t.ProjectKey);
        Assert.Equal("demo-client-id", t.ClientId);
        Assert.Equal("demo-client-secret", t.ClientSecret);
        Assert.Null(t.Users);
        RbacRule rule = Assert.Single(t.Rbac);
        Assert.Equal("restricted", rule.Channel);
        Assert.Equal(new[] { "admin" }, rule.Allow);
    }

    [Fact]
    public void AllOptions_AreParsed_BothForms()
    {
        EmulatorOptions o = EmulatorOptions.Parse(new[]
        {
            "--port", "0", "--host=localhost", "--token-lifetime", "10", "--refresh-lifetime=20",
            "--passcode-lifetime", "30", "--latency-ms", "5",
        });
        Assert.Equal(0, o.Port);
        Assert.Equal("localhost", o.Host);
        Assert.Equal(10, o.TokenLifetimeSeconds);
        Assert.Equal(20, o.RefreshTokenLifetimeSeconds);
        Assert.Equal(30, o.PasscodeLifetimeSeconds);
        Assert.Equal(5, o.LatencyMs);
        Assert.True(EmulatorOptions.Parse(new[] { "--help" }).ShowHelp);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--port")]
    [InlineData("--port", "abc")]
    [InlineData("--port", "70000")]
    [InlineData("--port", "-1")]
    [InlineData("--host", "not an address")]
    [InlineData("--token-lifetime", "-5")]
    [InlineData("--latency-ms", "1.5")]
    [InlineData("--config", "/no/such/file.json")]
    [InlineData("extra")]
    public void BadArguments_Throw(params string[] args)
    {
        Assert.Throws<EmulatorOptionsException>(() => EmulatorOptions.Parse(args));
    }

    [Fact]
    public async Task Cli_BadOption_Exits2_WithAMessageOnStderr()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await Program.RunAsync(new[] { "--frobnicate" }, stdout, stderr, CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Equal("", stdout.ToString());
        Assert.Contains("--frobnicate", stderr.ToString());
    }

    [Fact]
    public async Task Cli_Help_Exits0()
    {
        var stdout = new StringWriter();
        int code = await Program.RunAsync(new[] { "--help" }, stdout, new StringWriter(), CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Contains("--port", stdout.ToString());
        Assert.Contains("--config", stdout.ToString());
    }

    [Fact]
    public async Task Cli_PrintsTheBaseUriFirst_ServesUntilCancelled()
    {
        var stdout = new LineSignallingWriter();
        using var stop = new CancellationTokenSource();
        Task<int> run = Program.RunAsync(new[] { "--port", "0" }, stdout, new StringWriter(), stop.Token);
        string first = await stdout.FirstLine.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/ws$", first);

        using var http = new HttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Post, first + "/auth/token")
        {
            Content = new StringContent("{\"username\":\"cli\"}", Encoding.UTF8, "application/json"),
        };
        req.Headers.Add("X-Org", "demo-org");
        req.Headers.Add("Environment", "dev");
        req.Headers.Add("ProjectKey", "demo-project");
        req.Headers.Add("Client-Id", "demo-client-id");
        req.Headers.Add("Client-Secret", "demo-client-secret");
        using HttpResponseMessage resp = await http.SendAsync(req);
        Assert.Equal(200, (int)resp.StatusCode);

        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(first + Environment.NewLine, stdout.ToString());
    }

    [Fact]
    public async Task Cli_PortInUse_Exits1()
    {
        await using ArtEmulatorServer taken = await ArtEmulatorServer.StartAsync(new EmulatorOptions
        {
            Port = 0, Tenants = { EmulatorOptions.CreateDemoTenant() },
        });
        var stderr = new StringWriter();
        int code = await Program.RunAsync(new[] { "--port", taken.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            new StringWriter(), stderr, CancellationToken.None);
        Assert.Equal(1, code);
        Assert.Contains("cannot start", stderr.ToString());
    }

    [Fact]
    public void ConfigFile_OverridesDefaults_CliOverridesFile()
    {
        string path = WriteConfig("""
            {
              // comments are allowed
              "tokenLifetimeSeconds": 100, "refreshTokenLifetimeSeconds": 200, "passcodeLifetimeSeconds": 300, "latencyMs": 4,
              "signingKey": "my-key",
              "tenants": [
                { "org": "o1", "environment": "e1", "projectKey": "p1", "clientId": "c1", "clientSecret": "s1",
                  "users": ["u1", "u2"], "rbac": [ { "channel": "secret*", "allow": ["u1"] } ] },
                { "org": "o2", "environment": "e2", "projectKey": "p2", "clientId": "c2", "clientSecret": "s2" }
              ]
            }
            """);
        EmulatorOptions o = EmulatorOptions.Parse(new[] { "--token-lifetime", "7", "--config", path });
        Assert.Equal(7, o.TokenLifetimeSeconds); // the CLI wins whatever the order
        Assert.Equal(200, o.RefreshTokenLifetimeSeconds);
        Assert.Equal(300, o.PasscodeLifetimeSeconds);
        Assert.Equal(4, o.LatencyMs);
        Assert.Equal(Encoding.UTF8.GetBytes("my-key"), o.SigningKey);
        Assert.Equal(2, o.Tenants.Count);
        Assert.Equal(new[] { "u1", "u2" }, o.Tenants[0].Users);
        Assert.Equal("secret*", Assert.Single(o.Tenants[0].Rbac).Channel);
        Assert.Null(o.Tenants[1].Users);
        Assert.Empty(o.Tenants[1].Rbac);
    }

    [Fact]
    public void ConfigFile_WithoutTenants_KeepsTheDemoTenant()
    {
        EmulatorOptions o = EmulatorOptions.Parse(new[] { "--config", WriteConfig("{\"latencyMs\":3}") });
        Assert.Equal(3, o.LatencyMs);
        Assert.Equal("demo-org", Assert.Single(o.Tenants).Org);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"tokenLifetime\":5}")]
    [InlineData("{\"tokenLifetimeSeconds\":\"5\"}")]
    [InlineData("{\"tenants\":[]}")]
    [InlineData("{\"tenants\":[{\"org\":\"o\"}]}")]
    [InlineData("{\"tenants\":[{\"org\":\"o\",\"environment\":\"e\",\"projectKey\":\"p\",\"clientId\":\"c\",\"clientSecret\":\"s\",\"users\":\"u\"}]}")]
    public async Task BadConfigFile_Exits2(string json)
    {
        string path = WriteConfig(json);
        Assert.Throws<EmulatorOptionsException>(() => EmulatorOptions.Parse(new[] { "--config", path }));
        var stderr = new StringWriter();
        Assert.Equal(2, await Program.RunAsync(new[] { "--config", path }, new StringWriter(), stderr, CancellationToken.None));
        Assert.Contains(path, stderr.ToString());
    }

    [Fact]
    public async Task ConfiguredTenant_IsServed()
    {
        string path = WriteConfig("""
            { "tenants": [ { "org": "cfg-org", "environment": "qa", "projectKey": "cfg-project",
                             "clientId": "cfg-id", "clientSecret": "cfg-secret", "users": ["only-me"] } ] }
            """);
        EmulatorOptions o = EmulatorOptions.Parse(new[] { "--config", path, "--port", "0" });
        await using ArtEmulatorServer server = await ArtEmulatorServer.StartAsync(o);
        using var http = new HttpClient();

        async Task<int> SignIn(string org, string user)
        {
            using var req = new HttpRequestMessage(HttpMethod.Post, server.BaseUri.AbsoluteUri + "/auth/token")
            {
                Content = new StringContent("{\"username\":\"" + user + "\"}", Encoding.UTF8, "application/json"),
            };
            req.Headers.Add("X-Org", org);
            req.Headers.Add("Environment", "qa");
            req.Headers.Add("ProjectKey", "cfg-project");
            req.Headers.Add("Client-Id", "cfg-id");
            req.Headers.Add("Client-Secret", "cfg-secret");
            using HttpResponseMessage resp = await http.SendAsync(req);
            return (int)resp.StatusCode;
        }

        Assert.Equal(200, await SignIn("cfg-org", "only-me"));
        Assert.Equal(403, await SignIn("cfg-org", "someone-else"));
        Assert.Equal(404, await SignIn("demo-org", "only-me")); // the demo tenant is replaced
    }

    /// <summary>A StringWriter that signals its first complete line.</summary>
    private sealed class LineSignallingWriter : StringWriter
    {
        public TaskCompletionSource<string> FirstLine { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Write(char value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Check();
        }

        public override Task WriteLineAsync(string? value)
        {
            base.WriteLine(value);
            Check();
            return Task.CompletedTask;
        }

        private void Check()
        {
            string s = ToString();
            int nl = s.IndexOf('\n');
            if (nl >= 0)
                FirstLine.TrySetResult(s.Substring(0, nl).TrimEnd('\r'));
        }
    }
}
