# Shared helpers for the ArtRest Pester tests (and the build's Demo task).
#
#   BeforeAll {
#       Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
#       $script:emu = Start-TestEmulator
#       Import-ArtRestUnderTest
#   }
#   AfterAll { $emu | Stop-TestEmulator }
#
# Everything runs against the built output in out/ (./build.ps1 -Task Build), never against a live service.

Set-StrictMode -Version 3.0

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:EmulatorDll = Join-Path $script:RepoRoot 'out/emulator/ArtRest.Emulator.dll'
$script:ModuleManifest = Join-Path $script:RepoRoot 'out/ArtRest/ArtRest.psd1'

# The tenant every emulator starts with.
$script:DemoTenant = [ordered]@{
    Organization = 'demo-org'
    Environment  = 'dev'
    ProjectKey   = 'demo-project'
    ClientId     = 'demo-client-id'
    ClientSecret = 'demo-client-secret'
}

function Start-TestEmulator {
    <#
    .SYNOPSIS
        Starts out/emulator/ArtRest.Emulator.dll on a free loopback port and returns a handle:
        BaseUri, AdminUri, Process and the demo tenant (Organization, Environment, ProjectKey,
        ClientId, ClientSecret, Credential).
    #>
    [CmdletBinding()]
    param(
        # Extra emulator arguments, after `--port 0`.
        [string[]]$ArgumentList = @(),
        [ValidateRange(1, 300)][int]$TimeoutSeconds = 20
    )
    if (-not (Test-Path $script:EmulatorDll)) {
        throw "The emulator is not built ($script:EmulatorDll is missing): run ./build.ps1 -Task Build first."
    }
    $dotnet = (Get-Command dotnet -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source

    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($dotnet)
    foreach ($arg in @($script:EmulatorDll, '--port', '0') + $ArgumentList) { $startInfo.ArgumentList.Add($arg) }
    $startInfo.WorkingDirectory = Split-Path $script:EmulatorDll
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.RedirectStandardInput = $true   # the emulator never waits on our console
    $process = [System.Diagnostics.Process]::Start($startInfo)

    $baseUri = $null
    $seen = [System.Collections.Generic.List[string]]::new()
    try {
        # The emulator's first stdout line is its base URI; tolerate log lines before it.
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not $baseUri) {
            $remaining = $deadline - [DateTime]::UtcNow
            if ($remaining -le [TimeSpan]::Zero) {
                throw "The emulator printed no base URI within $TimeoutSeconds s."
            }
            $read = $process.StandardOutput.ReadLineAsync()
            if (-not $read.Wait($remaining)) {
                throw "The emulator printed no base URI within $TimeoutSeconds s."
            }
            $line = $read.Result
            if ($null -eq $line) { throw "The emulator exited (code $(Get-ExitCode $process)) before printing its base URI." }
            $seen.Add($line)
            if ($line.Trim() -match '^https?://\S+$') { $baseUri = $line.Trim().TrimEnd('/') }
        }
    }
    catch {
        $failure = $_.Exception.Message
        $stderr = Stop-EmulatorProcess $process -CollectStandardError
        $output = (@($seen) + @($stderr)) -join [Environment]::NewLine
        throw "$failure$([Environment]::NewLine)Emulator output:$([Environment]::NewLine)$output"
    }

    # Keep draining both pipes so the emulator never blocks on a full one.
    $null = $process.StandardOutput.BaseStream.CopyToAsync([System.IO.Stream]::Null)
    $null = $process.StandardError.BaseStream.CopyToAsync([System.IO.Stream]::Null)

    $secret = ConvertTo-SecureString $script:DemoTenant.ClientSecret -AsPlainText -Force
    [pscustomobject]@{
        PSTypeName   = 'ArtRest.TestEmulator'
        BaseUri      = $baseUri
        AdminUri     = "$baseUri/_emulator"
        Process      = $process
        Organization = $script:DemoTenant.Organization
        Environment  = $script:DemoTenant.Environment
        ProjectKey   = $script:DemoTenant.ProjectKey
        ClientId     = $script:DemoTenant.ClientId
        ClientSecret = $script:DemoTenant.ClientSecret
        Credential   = [pscredential]::new($script:DemoTenant.ClientId, $secret)
    }
}

function Get-ExitCode([System.Diagnostics.Process]$Process) {
    if ($Process.WaitForExit(2000)) { $Process.ExitCode } else { 'unknown' }
}

function Stop-EmulatorProcess {
    param([System.Diagnostics.Process]$Process, [switch]$CollectStandardError)
    if (-not $Process) { return }
    try {
        if (-not $Process.HasExited) { $Process.Kill($true) }
        $null = $Process.WaitForExit(10000)
        if ($CollectStandardError) {
            $read = $Process.StandardError.ReadToEndAsync()
            if ($read.Wait(2000)) { $read.Result.TrimEnd() }
        }
    }
    catch {
        Write-Warning "Could not stop the emulator (pid $($Process.Id)): $($_.Exception.Message)"
    }
}

function Stop-TestEmulator {
    <# .SYNOPSIS Kills an emulator started by Start-TestEmulator and waits for it to exit. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][AllowNull()][psobject]$Emulator)
    process {
        if ($null -eq $Emulator) { return }
        $process = $Emulator.Process
        Stop-EmulatorProcess $process
        $process.Dispose()
    }
}

function Import-ArtRestUnderTest {
    <# .SYNOPSIS Imports the built module (out/ArtRest) into the global scope, so tests see its cmdlets. #>
    [CmdletBinding()]
    param()
    if (-not (Test-Path $script:ModuleManifest)) {
        throw "ArtRest is not built ($script:ModuleManifest is missing): run ./build.ps1 -Task Build first."
    }
    Import-Module $script:ModuleManifest -Force -Global -PassThru
}

# ---------------------------------------------------------------- emulator admin API

function Invoke-EmulatorAdmin {
    param(
        [Parameter(Mandatory)][psobject]$Emulator,
        [Parameter(Mandatory)][string]$Method,
        [Parameter(Mandatory)][string]$Path,
        [object]$Body
    )
    $request = @{ Method = $Method; Uri = "$($Emulator.AdminUri)$Path" }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $request.Body = $Body | ConvertTo-Json -Depth 10 -Compress
        $request.ContentType = 'application/json'
    }
    Invoke-RestMethod @request
}

function Get-TestEmulatorMessage {
    <# .SYNOPSIS The messages the emulator received (GET /_emulator/messages). #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][psobject]$Emulator)
    process {
        # One object per message; an empty list gives nothing (not one empty array).
        foreach ($message in (Invoke-EmulatorAdmin $Emulator GET '/messages')) { $message }
    }
}

function Clear-TestEmulator {
    <# .SYNOPSIS Forgets messages, stats and faults (POST /_emulator/reset); settings stay. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][psobject]$Emulator)
    process { $null = Invoke-EmulatorAdmin $Emulator POST '/reset' }
}

function Add-TestEmulatorFault {
    <#
    .SYNOPSIS
        Makes the emulator misbehave on a path (POST /_emulator/faults), e.g.
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 503 -RetryAfter '1'
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)][psobject]$Emulator,
        [Parameter(Mandatory)][string]$Path,
        [int]$Status = 500,
        [int]$Count = 1,
        [string]$RetryAfter,
        [string]$Kind = 'status',
        [int]$LatencyMs = 0,
        [ValidateRange(0.0, 1.0)][double]$Probability = 1.0,
        [string]$Body
    )
    process {
        $fault = [ordered]@{
            path        = $Path
            count       = $Count
            probability = $Probability
            kind        = $Kind
            status      = $Status
            latencyMs   = $LatencyMs
        }
        if ($PSBoundParameters.ContainsKey('RetryAfter')) { $fault.retryAfter = $RetryAfter }
        if ($PSBoundParameters.ContainsKey('Body')) { $fault.body = $Body }
        Invoke-EmulatorAdmin $Emulator POST '/faults' -Body $fault
    }
}

function Get-TestEmulatorStats {
    <# .SYNOPSIS Request counters the emulator keeps (GET /_emulator/stats). #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][psobject]$Emulator)
    process { Invoke-EmulatorAdmin $Emulator GET '/stats' }
}

function Set-TestEmulatorSetting {
    <#
    .SYNOPSIS
        Changes emulator settings (PUT /_emulator/settings), e.g. -TokenLifetimeSeconds 2.
        -Setting passes any other settings through as they are named in the emulator's JSON.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)][psobject]$Emulator,
        [int]$TokenLifetimeSeconds,
        [hashtable]$Setting = @{}
    )
    process {
        $body = [ordered]@{}
        foreach ($key in $Setting.Keys) { $body[$key] = $Setting[$key] }
        if ($PSBoundParameters.ContainsKey('TokenLifetimeSeconds')) { $body.tokenLifetimeSeconds = $TokenLifetimeSeconds }
        Invoke-EmulatorAdmin $Emulator PUT '/settings' -Body $body
    }
}

# ---------------------------------------------------------------- sessions

function New-TestSession {
    <#
    .SYNOPSIS
        Runs New-ArtPasscode | Get-ArtToken | New-ArtConnection against the emulator's demo tenant
        up to -Stage (Passcode, Token or Connected) and returns what that stage outputs.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Emulator,
        [string]$UserName = 'alice',
        [ValidateSet('Passcode', 'Token', 'Connected')][string]$Stage = 'Connected'
    )
    $session = New-ArtPasscode -BaseUri $Emulator.BaseUri -Organization $Emulator.Organization `
        -Environment $Emulator.Environment -ProjectKey $Emulator.ProjectKey `
        -Credential $Emulator.Credential -UserName $UserName -ErrorAction Stop
    if ($Stage -eq 'Passcode') { return $session }
    $session = $session | Get-ArtToken -ErrorAction Stop
    if ($Stage -eq 'Token') { return $session }
    $session | New-ArtConnection -ErrorAction Stop
}

Export-ModuleMember -Function Start-TestEmulator, Stop-TestEmulator, Import-ArtRestUnderTest,
    Get-TestEmulatorMessage, Clear-TestEmulator, Add-TestEmulatorFault, Get-TestEmulatorStats,
    Set-TestEmulatorSetting, New-TestSession
