#Requires -Version 7.2
<#
.SYNOPSIS
    Measures ArtRest's throughput, import time and memory against the bundled emulator and
    reports them next to a raw HttpClient and Invoke-RestMethod (issue 5).
.DESCRIPTION
    Needs a build (./build.ps1 -Task Build) and the raw client (out/bench/RawClient); the Bench
    task of build.ps1 does both, then runs this script. Everything talks to one emulator on
    127.0.0.1, started here; its message store is reset (POST /_emulator/reset) before every
    scenario, and after every scenario its push counters must show exactly the messages sent.

    Throughput scenarios, interleaved in rounds (round 1 runs each once, then round 2, ...),
    after one untimed warm-up of each; the table gives the median of the rounds:
      raw-seq   tests/bench/RawClient, one push at a time     (a fresh process; it warms itself up)
      raw-8     tests/bench/RawClient, 8 pushes in flight
      tl1       pre-built rows | Send-ArtMessage -ThrottleLimit 1   (in one long-lived child pwsh,
      tl8       pre-built rows | Send-ArtMessage -ThrottleLimit 8    tests/bench/BenchWorker.ps1)
      irm       Invoke-RestMethod -WebSession in a foreach, the same headers and body
      noop      the rows piped to a do-nothing cmdlet with Send-ArtMessage's parameters: what
                pipeline binding costs (a diagnostic, no target)
    Each round also starts `pwsh -NoProfile -c exit` and `pwsh -NoProfile -c "Import-Module ..."`
    -ImportSamplesPerRound times each (process start to exit; the target is the difference of the
    medians), and a third pwsh that times Import-Module from inside (a figure that process-start
    noise does not blur, for reference). After the rounds, peak working set:
    a fresh child pwsh streams 10,000 and 100,000 generated rows into Send-ArtMessage.

    Prints a table and the targets (met / missed), and writes the same to -OutFile as JSON. The
    targets are a report: a missed one does not fail the script; a broken run does (exit 1).
.EXAMPLE
    dotnet pwsh ./tests/bench/Invoke-Benchmark.ps1 -Rounds 7
.EXAMPLE
    dotnet pwsh ./tests/bench/Invoke-Benchmark.ps1 -Rounds 1 -MessageCount 1000 -IrmMessageCount 200 -MemorySmallCount 1000 -MemoryLargeCount 5000
    A quick check of the harness itself.
#>
[CmdletBinding()]
param(
    # Rounds of the interleaved throughput and import scenarios; the report gives medians.
    [ValidateRange(1, 100)][int]$Rounds = 5,

    # Messages per round for the raw client and Send-ArtMessage.
    [ValidateRange(100, 10000000)][int]$MessageCount = 10000,

    # Messages per round for Invoke-RestMethod (slow, so fewer; compared as messages/s).
    [ValidateRange(10, 10000000)][int]$IrmMessageCount = 2000,

    # Message counts of the peak-working-set runs: the target compares the large with the small.
    [ValidateRange(100, 10000000)][int]$MemorySmallCount = 10000,
    [ValidateRange(100, 10000000)][int]$MemoryLargeCount = 100000,

    # How often each peak-working-set run is repeated (median).
    [ValidateRange(1, 10)][int]$MemoryRuns = 2,

    # Bare / Import-Module process pairs per round.
    [ValidateRange(1, 20)][int]$ImportSamplesPerRound = 3,

    # Untimed pushes the raw client makes before its timed run (it is a fresh process each time).
    [ValidateRange(0, 100000)][int]$RawClientWarmup = 1000,

    [string]$OutFile = (Join-Path $PSScriptRoot '../../out/bench.json'),
    [string]$RawClientPath = (Join-Path $PSScriptRoot '../../out/bench/RawClient/RawClient.dll'),
    [string]$ModuleManifest = (Join-Path $PSScriptRoot '../../out/ArtRest/ArtRest.psd1')
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$WorkerScript = Join-Path $PSScriptRoot 'BenchWorker.ps1'
$ModuleManifest = [IO.Path]::GetFullPath($ModuleManifest)
$RawClientPath = [IO.Path]::GetFullPath($RawClientPath)
$OutFile = [IO.Path]::GetFullPath($OutFile)
foreach ($required in $ModuleManifest, $RawClientPath) {
    if (-not (Test-Path $required)) { throw "$required is missing: run ./build.ps1 -Task Bench (it builds everything first)." }
}
Import-Module (Join-Path $PSScriptRoot '../pester/TestHelpers.psm1') -Force   # Start-/Stop-TestEmulator
$Dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source

# ---------------------------------------------------------------- helpers

function Write-Step([string]$Message) { Write-Host "==> $Message" -ForegroundColor Cyan }

function Get-PwshCommand {
    # pwsh itself, or `dotnet pwsh.dll` when this pwsh is the .NET tool (`dotnet pwsh`).
    $exe = (Get-Process -Id $PID).Path
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    @($exe)
}
$Pwsh = @(Get-PwshCommand)

function New-StartInfo([string[]]$Command) {
    $startInfo = [Diagnostics.ProcessStartInfo]::new($Command[0])
    foreach ($argument in @($Command | Select-Object -Skip 1)) { $startInfo.ArgumentList.Add($argument) }
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo
}

function Invoke-Process {
    # Runs a command to its end; returns its exit code, output and wall time (start to exit).
    param([Parameter(Mandatory)][string[]]$Command, [int]$TimeoutSeconds = 900)
    $stopwatch = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start((New-StartInfo $Command))
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "Timed out after $TimeoutSeconds s: $($Command -join ' ')"
        }
        $stopwatch.Stop()
        $process.WaitForExit()   # the output is complete, too
        [pscustomobject]@{ ExitCode = $process.ExitCode; StdOut = $stdout.Result; StdErr = $stderr.Result; ElapsedMs = $stopwatch.Elapsed.TotalMilliseconds }
    }
    finally { $process.Dispose() }
}

function Get-BenchResult([string]$Text, [string]$What) {
    # The JSON of the line "BENCH-RESULT {...}" in a worker's output.
    $line = @($Text -split '\r?\n' | Where-Object { $_ -like 'BENCH-RESULT *' }) | Select-Object -Last 1
    if (-not $line) { throw "$What printed no result:`n$Text" }
    $line.Substring('BENCH-RESULT '.Length) | ConvertFrom-Json
}

function Get-Median([double[]]$Values) {
    $sorted = [double[]]($Values | Sort-Object)
    $middle = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { return $sorted[$middle] }
    ($sorted[$middle - 1] + $sorted[$middle]) / 2
}

# ---------------------------------------------------------------- emulator

function Reset-Emulator { $null = Invoke-RestMethod -Method Post -Uri "$($Emulator.AdminUri)/reset" }

function Assert-Pushed([int]$Expected, [string]$Scenario) {
    # Every push of the scenario reached the emulator and was accepted, and no other push did.
    $stats = Invoke-RestMethod -Uri "$($Emulator.AdminUri)/stats"
    if ($stats.push -ne $Expected -or $stats.pushAccepted -ne $Expected) {
        throw "${Scenario}: the emulator saw $($stats.push) pushes ($($stats.pushAccepted) accepted), expected $Expected."
    }
}

# ---------------------------------------------------------------- the clients

function Invoke-RawClient([int]$Count, [int]$Concurrency, [int]$Warmup) {
    $run = Invoke-Process @($Dotnet, $RawClientPath, $Emulator.BaseUri, $Count, $Concurrency, $Warmup)
    if ($run.ExitCode -ne 0) { throw "RawClient failed (exit code $($run.ExitCode)):`n$($run.StdErr)$($run.StdOut)" }
    $run.StdOut | ConvertFrom-Json
}

function Start-Worker {
    $startInfo = New-StartInfo ($Pwsh + @('-NoProfile', '-NonInteractive', '-File', $WorkerScript,
            '-Mode', 'Serve', '-ModuleManifest', $ModuleManifest, '-BaseUri', $Emulator.BaseUri))
    $startInfo.RedirectStandardInput = $true
    $process = [Diagnostics.Process]::Start($startInfo)
    $worker = [pscustomobject]@{ Process = $process; StdErr = $process.StandardError.ReadToEndAsync() }
    $null = Read-WorkerResult $worker 'ready' 120
    $worker
}

function Read-WorkerResult($Worker, [string]$Command, [int]$TimeoutSeconds) {
    # Lines up to the next "BENCH-RESULT {...}"; other lines are the worker's own chatter.
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $read = $Worker.Process.StandardOutput.ReadLineAsync()
        $remaining = $deadline - [DateTime]::UtcNow
        if ($remaining -le [TimeSpan]::Zero -or -not $read.Wait($remaining)) { throw "The worker did not answer '$Command' within $TimeoutSeconds s." }
        $line = $read.Result
        if ($null -eq $line) {
            $null = $Worker.Process.WaitForExit(5000)
            throw "The worker exited while running '$Command':`n$($Worker.StdErr.Result)"
        }
        if ($line -notlike 'BENCH-RESULT *') { Write-Verbose "worker: $line"; continue }
        $result = $line.Substring('BENCH-RESULT '.Length) | ConvertFrom-Json
        if ($result.PSObject.Properties['error']) { throw "The worker failed on '$Command': $($result.error)`n$($result.at)" }
        return $result
    }
}

function Invoke-Worker([string]$Command) {
    $Worker.Process.StandardInput.WriteLine($Command)
    $Worker.Process.StandardInput.Flush()
    Read-WorkerResult $Worker $Command 900
}

function Stop-Worker($Worker) {
    if (-not $Worker) { return }
    try {
        if (-not $Worker.Process.HasExited) {
            $Worker.Process.StandardInput.WriteLine('exit')
            $Worker.Process.StandardInput.Flush()
            if (-not $Worker.Process.WaitForExit(10000)) { $Worker.Process.Kill($true) }
        }
    }
    catch { Write-Warning "Could not stop the worker: $($_.Exception.Message)" }
    finally { $Worker.Process.Dispose() }
}

function Invoke-Pwsh([string]$Command) {
    $run = Invoke-Process ($Pwsh + @('-NoProfile', '-NonInteractive', '-Command', $Command)) 120
    if ($run.ExitCode -ne 0) { throw "pwsh -c `"$Command`" failed (exit code $($run.ExitCode)):`n$($run.StdErr)" }
    $run
}

function Measure-ImportSample {
    # Process start to exit of a bare pwsh and of one that imports ArtRest; then Import-Module timed inside pwsh.
    $quoted = "'" + $ModuleManifest.Replace("'", "''") + "'"
    $bare = Invoke-Pwsh 'exit'
    $import = Invoke-Pwsh "Import-Module $quoted; exit"
    $inside = Invoke-Pwsh "`$s = [Diagnostics.Stopwatch]::StartNew(); Import-Module $quoted; [Console]::Out.Write(`$s.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)); exit"
    [pscustomobject]@{ BareMs = $bare.ElapsedMs; ImportMs = $import.ElapsedMs; InProcessMs = [double]$inside.StdOut.Trim() }
}

function Measure-PeakMemory([int]$Count) {
    Reset-Emulator
    $run = Invoke-Process ($Pwsh + @('-NoProfile', '-NonInteractive', '-File', $WorkerScript, '-Mode', 'PeakMemory',
            '-ModuleManifest', $ModuleManifest, '-BaseUri', $Emulator.BaseUri, '-Count', $Count))
    if ($run.ExitCode -ne 0) { throw "The peak-memory run of $Count messages failed (exit code $($run.ExitCode)):`n$($run.StdErr)" }
    Assert-Pushed $Count "peak memory ($Count)"
    $result = Get-BenchResult $run.StdOut "The peak-memory run of $Count messages"
    Write-Host ("    {0,7:N0} messages: peak working set {1:N1} MB ({2:N1} s)" -f $Count, ($result.peakWorkingSetBytes / 1MB), $result.seconds)
    $result
}

# ---------------------------------------------------------------- scenarios

# Key, label, the worker command or raw-client call, and the pushes the emulator must see.
$Throughput = @(
    [pscustomobject]@{ Key = 'raw-seq'; Label = 'raw HttpClient, sequential'; Messages = $MessageCount
        Run = { Invoke-RawClient $MessageCount 1 $RawClientWarmup }; Pushes = $MessageCount + $RawClientWarmup }
    [pscustomobject]@{ Key = 'raw-8'; Label = 'raw HttpClient, 8 in flight'; Messages = $MessageCount
        Run = { Invoke-RawClient $MessageCount 8 $RawClientWarmup }; Pushes = $MessageCount + $RawClientWarmup }
    [pscustomobject]@{ Key = 'tl1'; Label = 'Send-ArtMessage -ThrottleLimit 1'; Messages = $MessageCount
        Run = { Invoke-Worker "send 1 $MessageCount" }; Pushes = $MessageCount }
    [pscustomobject]@{ Key = 'tl8'; Label = 'Send-ArtMessage -ThrottleLimit 8'; Messages = $MessageCount
        Run = { Invoke-Worker "send 8 $MessageCount" }; Pushes = $MessageCount }
    [pscustomobject]@{ Key = 'irm'; Label = 'Invoke-RestMethod foreach -WebSession'; Messages = $IrmMessageCount
        Run = { Invoke-Worker "irm $IrmMessageCount" }; Pushes = $IrmMessageCount }
    [pscustomobject]@{ Key = 'noop'; Label = '(diagnostic) no-op cmdlet, same parameters'; Messages = $MessageCount
        Run = { Invoke-Worker "noop $MessageCount" }; Pushes = 0 }
)
$MemoryMessageCounts = @($MemorySmallCount, $MemoryLargeCount)
$Samples = @{}
foreach ($scenario in $Throughput) { $Samples[$scenario.Key] = [Collections.Generic.List[double]]::new() }
$ImportSamples = [Collections.Generic.List[object]]::new()

# ---------------------------------------------------------------- run

$started = [Diagnostics.Stopwatch]::StartNew()
$Emulator = $null
$Worker = $null
$memory = @{}
try {
    Write-Step 'Start the emulator and the PowerShell worker'
    $Emulator = Start-TestEmulator
    Write-Host "    emulator $($Emulator.BaseUri) (pid $($Emulator.Process.Id))"
    $Worker = Start-Worker
    Write-Host "    worker pid $($Worker.Process.Id)"

    Write-Step 'Warm up every scenario once (untimed)'
    $warmupCount = [Math]::Min(1000, $MessageCount)
    Reset-Emulator; $null = Invoke-RawClient $warmupCount 1 100
    Reset-Emulator; $null = Invoke-RawClient $warmupCount 8 100
    Reset-Emulator; $null = Invoke-Worker "send 1 $warmupCount"
    Reset-Emulator; $null = Invoke-Worker "send 8 $warmupCount"
    Reset-Emulator; $null = Invoke-Worker "irm $([Math]::Min(200, $IrmMessageCount))"
    $null = Invoke-Worker "noop $warmupCount"
    $null = Measure-ImportSample

    for ($round = 1; $round -le $Rounds; $round++) {
        Write-Step "Round $round of $Rounds"
        foreach ($scenario in $Throughput) {
            Reset-Emulator
            $result = & $scenario.Run
            Assert-Pushed $scenario.Pushes $scenario.Label
            $Samples[$scenario.Key].Add([double]$result.messagesPerSecond)
            Write-Host ("    {0,-44} {1,10:N0} msg/s" -f $scenario.Label, $result.messagesPerSecond)
        }
        $thisRound = for ($i = 0; $i -lt $ImportSamplesPerRound; $i++) { Measure-ImportSample }
        $ImportSamples.AddRange([object[]]@($thisRound))
        Write-Host ("    {0,-44} {1,10:N0} ms, with Import-Module {2:N0} ms (Import-Module itself {3:N0} ms)" -f 'pwsh -NoProfile -c exit',
            (Get-Median $thisRound.BareMs), (Get-Median $thisRound.ImportMs), (Get-Median $thisRound.InProcessMs))
    }
    Stop-Worker $Worker
    $Worker = $null

    Write-Step "Peak working set of Send-ArtMessage, streamed rows ($MemoryRuns run(s) each, fresh pwsh)"
    foreach ($count in $MemoryMessageCounts) { $memory[$count] = [Collections.Generic.List[object]]::new() }
    for ($run = 1; $run -le $MemoryRuns; $run++) {
        foreach ($count in $MemoryMessageCounts) { $memory[$count].Add((Measure-PeakMemory $count)) }
    }
    Reset-Emulator
}
finally {
    Stop-Worker $Worker
    if ($Emulator) { $Emulator | Stop-TestEmulator }
}

# ---------------------------------------------------------------- report

$median = @{}
foreach ($key in $Samples.Keys) { $median[$key] = Get-Median $Samples[$key] }
function Get-Ratio([string]$Of, [string]$To) { [Math]::Round($median[$Of] / $median[$To], 2) }

$bareMs = Get-Median $ImportSamples.BareMs
$importMs = Get-Median $ImportSamples.ImportMs
$importOverheadMs = [Math]::Round($importMs - $bareMs, 1)
$importPairedMs = [Math]::Round((Get-Median @($ImportSamples | ForEach-Object { $_.ImportMs - $_.BareMs })), 1)
$importInProcessMs = [Math]::Round((Get-Median $ImportSamples.InProcessMs), 1)
$smallCount, $largeCount = $MemorySmallCount, $MemoryLargeCount
$peakSmallMB = [Math]::Round((Get-Median @($memory[$smallCount].peakWorkingSetBytes)) / 1MB, 1)
$peakLargeMB = [Math]::Round((Get-Median @($memory[$largeCount].peakWorkingSetBytes)) / 1MB, 1)
$peakGrowthMB = [Math]::Round($peakLargeMB - $peakSmallMB, 1)

# ArtRest against its raw counterpart and Invoke-RestMethod; the raw client against Invoke-RestMethod
# too, the ceiling of what any client could reach against it.
$comparisons = @{
    'raw-seq' = [ordered]@{ vsIrm = Get-Ratio 'raw-seq' 'irm' }
    'raw-8'   = [ordered]@{ vsIrm = Get-Ratio 'raw-8' 'irm' }
    'tl1'     = [ordered]@{ vsRaw = Get-Ratio 'tl1' 'raw-seq'; rawScenario = 'raw-seq'; vsIrm = Get-Ratio 'tl1' 'irm' }
    'tl8'     = [ordered]@{ vsRaw = Get-Ratio 'tl8' 'raw-8'; rawScenario = 'raw-8'; vsIrm = Get-Ratio 'tl8' 'irm' }
}
$rows = foreach ($scenario in $Throughput) {
    $values = $Samples[$scenario.Key]   # (not $samples: variable names ignore case)
    $comparison = $comparisons[$scenario.Key]
    [pscustomobject]@{
        Scenario          = $scenario.Label
        Messages          = $scenario.Messages
        'msg/s (median)'  = '{0:N0}' -f $median[$scenario.Key]
        'min..max'        = '{0:N0}..{1:N0}' -f ($values | Measure-Object -Minimum).Minimum, ($values | Measure-Object -Maximum).Maximum
        'us/msg'          = '{0:N1}' -f (1e6 / $median[$scenario.Key])
        'vs raw'          = if ($comparison -and $comparison.Contains('vsRaw')) { '{0:N2}x {1}' -f $comparison.vsRaw, $comparison.rawScenario } else { '' }
        'vs IRM'          = if ($comparison) { '{0:N2}x' -f $comparison.vsIrm } else { '' }
    }
}

$targets = @(
    [ordered]@{ target = 'Send-ArtMessage -ThrottleLimit 1 >= 0.6x raw sequential'; actual = '{0:N2}x' -f $comparisons.tl1.vsRaw; met = $comparisons.tl1.vsRaw -ge 0.6 }
    [ordered]@{ target = 'Send-ArtMessage -ThrottleLimit 8 >= 0.6x raw 8 in flight'; actual = '{0:N2}x' -f $comparisons.tl8.vsRaw; met = $comparisons.tl8.vsRaw -ge 0.6 }
    [ordered]@{ target = 'Send-ArtMessage -ThrottleLimit 1 >= 5x Invoke-RestMethod'; actual = '{0:N2}x' -f $comparisons.tl1.vsIrm; met = $comparisons.tl1.vsIrm -ge 5 }
    [ordered]@{ target = 'Import-Module ArtRest adds <= 100 ms (median)'; actual = ('{0:+0.0;-0.0} ms' -f $importOverheadMs); met = $importOverheadMs -le 100 }
    [ordered]@{ target = "peak WS($($largeCount.ToString('N0'))) <= peak WS($($smallCount.ToString('N0'))) + 50 MB"; actual = "+$peakGrowthMB MB"; met = $peakGrowthMB -le 50 }
)

# Where a Send-ArtMessage push's time goes: binding (the no-op cmdlet) + the rest (HTTP, the message, its result).
$perMessageUs = @{}
foreach ($key in $median.Keys) { $perMessageUs[$key] = [Math]::Round(1e6 / $median[$key], 1) }
$breakdown = [ordered]@{
    rawSequentialUsPerMessage   = $perMessageUs['raw-seq']
    throttleLimit1UsPerMessage  = $perMessageUs['tl1']
    pipelineBindingUsPerMessage = $perMessageUs['noop']
    restOfSendUsPerMessage      = [Math]::Round($perMessageUs['tl1'] - $perMessageUs['noop'], 1)
    overRawUsPerMessage         = [Math]::Round($perMessageUs['tl1'] - $perMessageUs['raw-seq'], 1)
}

Write-Host ''
Write-Host "ArtRest benchmark: $Rounds rounds, medians; $([Environment]::ProcessorCount) cores, emulator on loopback" -ForegroundColor Green
$rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
Write-Host ("Import-Module ArtRest: pwsh -c exit {0:N0} ms, with Import-Module {1:N0} ms: {2:+0.0;-0.0} ms (medians of {3}; median of the paired differences {4:+0.0;-0.0} ms; Import-Module timed inside pwsh {5:N1} ms)" -f
    $bareMs, $importMs, $importOverheadMs, $ImportSamples.Count, $importPairedMs, $importInProcessMs)
Write-Host ("Peak working set of streamed Send-ArtMessage: {0:N0} msgs {1:N1} MB, {2:N0} msgs {3:N1} MB, difference {4:N1} MB" -f $smallCount, $peakSmallMB, $largeCount, $peakLargeMB, $peakGrowthMB)
Write-Host ("Per message, -ThrottleLimit 1: {0} us = pipeline binding {1} us (no-op cmdlet) + send {2} us; raw sequential {3} us" -f
    $breakdown.throttleLimit1UsPerMessage, $breakdown.pipelineBindingUsPerMessage, $breakdown.restOfSendUsPerMessage, $breakdown.rawSequentialUsPerMessage)
Write-Host ''
$targets | ForEach-Object { [pscustomobject]@{ Target = $_.target; Actual = $_.actual; Result = if ($_.met) { 'met' } else { 'MISSED' } } } |
    Format-Table -AutoSize | Out-String -Width 200 | Write-Host

$report = [ordered]@{
    generatedAt = [DateTime]::UtcNow.ToString('o')
    machine     = [ordered]@{
        cores      = [Environment]::ProcessorCount
        os         = [Runtime.InteropServices.RuntimeInformation]::OSDescription
        powershell = "$($PSVersionTable.PSVersion)"
        dotnet     = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    }
    parameters  = [ordered]@{
        rounds = $Rounds; messageCount = $MessageCount; irmMessageCount = $IrmMessageCount; memorySmallCount = $MemorySmallCount; memoryLargeCount = $MemoryLargeCount
        memoryRuns = $MemoryRuns; importSamplesPerRound = $ImportSamplesPerRound; rawClientWarmup = $RawClientWarmup
    }
    throughput  = @(foreach ($scenario in $Throughput) {
            $entry = [ordered]@{
                scenario                = $scenario.Key
                label                   = $scenario.Label
                messages                = $scenario.Messages
                messagesPerSecondMedian = [Math]::Round($median[$scenario.Key], 1)
                messagesPerSecond       = @($Samples[$scenario.Key])
            }
            $comparison = $comparisons[$scenario.Key]
            if ($comparison -and $comparison.Contains('vsRaw')) {
                $entry.ratioToRaw = $comparison.vsRaw
                $entry.rawScenario = $comparison.rawScenario
            }
            if ($comparison) { $entry.ratioToIrm = $comparison.vsIrm }
            $entry
        })
    import      = [ordered]@{
        bareMedianMs = [Math]::Round($bareMs, 1); importMedianMs = [Math]::Round($importMs, 1); overheadMs = $importOverheadMs
        pairedDifferenceMedianMs = $importPairedMs; importModuleInProcessMedianMs = $importInProcessMs
        samples = @($ImportSamples | ForEach-Object { [ordered]@{ bareMs = [Math]::Round($_.BareMs, 1); importMs = [Math]::Round($_.ImportMs, 1); inProcessMs = [Math]::Round($_.InProcessMs, 1) } })
    }
    peakWorkingSet = [ordered]@{
        smallMessages = $smallCount; smallMB = $peakSmallMB; largeMessages = $largeCount; largeMB = $peakLargeMB; differenceMB = $peakGrowthMB
        runs = @(foreach ($count in $MemoryMessageCounts) { $memory[$count] })
    }
    breakdown   = $breakdown
    targets     = $targets
    durationSeconds = [Math]::Round($started.Elapsed.TotalSeconds, 1)
}
New-Item -ItemType Directory -Force (Split-Path $OutFile) | Out-Null
$report | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $OutFile -Encoding utf8
Write-Host "Written to $OutFile ($([Math]::Round($started.Elapsed.TotalSeconds)) s)"
