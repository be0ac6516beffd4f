#Requires -Version 7.2
<#
.SYNOPSIS
    The PowerShell side of the benchmark (tests/bench/Invoke-Benchmark.ps1 starts it).
.DESCRIPTION
    -Mode Serve: a long-lived worker. It imports ArtRest, signs in once, then reads one command
    a line from stdin and answers each with one line "BENCH-RESULT <json>" on stdout; anything
    else it prints is not part of the protocol. Input objects are built outside the timed region
    and kept, so every round times the same work in a warm process.

        send <throttle> <count>   <count> pre-built [pscustomobject]@{Channel;Content} | Send-ArtMessage -ThrottleLimit <throttle>
        irm <count>               Invoke-RestMethod in a foreach, -WebSession, the same headers and body
        noop <count>              the same rows piped to a do-nothing binary cmdlet with Send-ArtMessage's parameters:
                                  what pipeline binding alone costs
        exit

    -Mode PeakMemory: a fresh process that streams -Count generated rows into Send-ArtMessage (no
    pre-built array, which would itself grow memory) and prints "BENCH-RESULT <json>" with the
    process's peak working set.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][ValidateSet('Serve', 'PeakMemory')][string]$Mode,
    [Parameter(Mandatory)][string]$ModuleManifest,
    [Parameter(Mandatory)][string]$BaseUri,
    [int]$Count = 100000,
    [int]$ThrottleLimit = 1
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Tenant = @{ Organization = 'demo-org'; Environment = 'dev'; ProjectKey = 'demo-project' }
$Channel = 'bench'

function Write-Result([System.Collections.IDictionary]$Result) {
    [Console]::Out.WriteLine('BENCH-RESULT ' + ($Result | ConvertTo-Json -Compress))
    [Console]::Out.Flush()
}

function New-BenchSession {
    $secret = ConvertTo-SecureString 'demo-client-secret' -AsPlainText -Force
    $credential = [pscredential]::new('demo-client-id', $secret)
    New-ArtPasscode -BaseUri $BaseUri @Tenant -Credential $credential -UserName bench |
        Get-ArtToken | New-ArtConnection
}

Import-Module $ModuleManifest
$session = New-BenchSession

if ($Mode -eq 'PeakMemory') {
    $before = [Diagnostics.Process]::GetCurrentProcess()
    $baseline = $before.PeakWorkingSet64
    $stopwatch = [Diagnostics.Stopwatch]::StartNew()
    1..$Count |
        ForEach-Object { [pscustomobject]@{ Channel = $Channel; Content = "m$_" } } |
        Send-ArtMessage -Session $session -ThrottleLimit $ThrottleLimit -ErrorAction Stop |
        Out-Null
    $stopwatch.Stop()
    $process = [Diagnostics.Process]::GetCurrentProcess()   # a fresh snapshot
    Write-Result ([ordered]@{
        messages                = $Count
        throttleLimit           = $ThrottleLimit
        seconds                 = [Math]::Round($stopwatch.Elapsed.TotalSeconds, 2)
        peakWorkingSetBytes     = $process.PeakWorkingSet64
        peakBeforeSendingBytes  = $baseline
    })
    exit 0
}

# ---------------------------------------------------------------- Serve

# Rows for each count asked for, built once, outside the timed region.
$rowsByCount = @{}
function Get-Rows([int]$Count) {
    if (-not $rowsByCount.ContainsKey($Count)) {
        $rowsByCount[$Count] = [object[]]@(foreach ($i in 1..$Count) { [pscustomobject]@{ Channel = $Channel; Content = "m$i" } })
    }
    , $rowsByCount[$Count]
}

# Invoke-RestMethod signs in by itself, the way a script without ArtRest would.
$irm = @{ WebSession = [Microsoft.PowerShell.Commands.WebRequestSession]::new() }
function Initialize-Irm {
    $identity = @{ 'X-Org' = $Tenant.Organization; 'Environment' = $Tenant.Environment; 'ProjectKey' = $Tenant.ProjectKey }
    $userBody = '{"username":"bench","first_name":"","last_name":""}'
    $token = Invoke-RestMethod -Method Post -Uri "$BaseUri/auth/token" -ContentType 'application/json' -Body $userBody `
        -Headers ($identity + @{ 'Client-Id' = 'demo-client-id'; 'Client-Secret' = 'demo-client-secret' }) -WebSession $irm.WebSession
    $irm.Headers = $identity + @{ Authorization = "Bearer $($token.data.access_token)" }
    $connection = Invoke-RestMethod -Method Post -Uri "$BaseUri/v1/connect/new-connection" -ContentType 'application/json' `
        -Body $userBody -Headers $irm.Headers -WebSession $irm.WebSession
    $irm.ConnectionId = $connection.data.connection_id
    $irm.PushUri = "$BaseUri/v1/push-message"
}

# A binary cmdlet with Send-ArtMessage's parameters that does nothing but write one object per row.
$script:noOpReady = $false
function Initialize-NoOp {
    if ($script:noOpReady) { return }
    $source = @'
using System.Management.Automation;
namespace ArtRest.Bench
{
    [Cmdlet(VerbsCommunications.Send, "BenchNoOp", SupportsShouldProcess = true)]
    public sealed class SendBenchNoOpCommand : PSCmdlet
    {
        [Parameter(ValueFromPipeline = true)] public object Session { get; set; }
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string Channel { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string Event { get; set; } = "message";
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)] [AllowEmptyString] public object Content { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] [AllowEmptyString] [AllowEmptyCollection] public string[] To { get; set; }
        [Parameter] [ValidateRange(1, 64)] public int ThrottleLimit { get; set; } = 1;
        protected override void ProcessRecord() { WriteObject(Channel); }
    }
}
'@
    $assembly = (Add-Type -TypeDefinition $source -ReferencedAssemblies ([psobject].Assembly.Location) -PassThru)[0].Assembly
    Import-Module -Assembly $assembly
    $script:noOpReady = $true
}

function Measure-Block([string]$Scenario, [int]$Count, [scriptblock]$Block) {
    [GC]::Collect()
    $stopwatch = [Diagnostics.Stopwatch]::StartNew()
    & $Block
    $stopwatch.Stop()
    Write-Result ([ordered]@{
        scenario          = $Scenario
        messages          = $Count
        elapsedMs         = [Math]::Round($stopwatch.Elapsed.TotalMilliseconds, 1)
        messagesPerSecond = [Math]::Round($Count / $stopwatch.Elapsed.TotalSeconds, 1)
    })
}

Write-Result ([ordered]@{ ready = $true; pid = $PID })
while ($null -ne ($line = [Console]::In.ReadLine())) {
    $words = @($line.Trim() -split '\s+')
    try {
        switch ($words[0]) {
            'send' {
                $throttle = [int]$words[1]
                $rows = Get-Rows ([int]$words[2])
                Measure-Block "send-tl$throttle" $rows.Count {
                    $null = $rows | Send-ArtMessage -Session $session -ThrottleLimit $throttle -ErrorAction Stop
                }
            }
            'irm' {
                if (-not $irm.ContainsKey('PushUri')) { Initialize-Irm }
                $rows = Get-Rows ([int]$words[1])
                $headers, $web, $uri, $connectionId = $irm.Headers, $irm.WebSession, $irm.PushUri, $irm.ConnectionId
                Measure-Block 'irm' $rows.Count {
                    foreach ($row in $rows) {
                        $body = [ordered]@{ channel = $row.Channel; event = 'message'; content = $row.Content; connection_id = $connectionId } |
                            ConvertTo-Json -Compress
                        $null = Invoke-RestMethod -Method Post -Uri $uri -Headers $headers -Body $body -ContentType 'application/json' -WebSession $web
                    }
                }
            }
            'noop' {
                Initialize-NoOp
                $rows = Get-Rows ([int]$words[1])
                Measure-Block 'noop' $rows.Count {
                    $null = $rows | Send-BenchNoOp -Session $session -ThrottleLimit 1
                }
            }
            'exit' { exit 0 }
            default { throw "Unknown command '$line'." }
        }
    }
    catch {
        Write-Result ([ordered]@{ error = "$($_.Exception.Message)"; at = "$($_.InvocationInfo.PositionMessage)" })
    }
}
