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
$script:TestingManifest = Join-Path $script:RepoRoot 'out/ArtRest.Testing/ArtRest.Testing.psd1'

# The emulator plumbing is ArtRest.Testing's, the module users get for their runbook tests: the
# project's own tests use it too, through these names, so there is one implementation to trust.
if (-not (Test-Path $script:TestingManifest)) {
    throw "ArtRest.Testing is not built ($script:TestingManifest is missing): run ./build.ps1 -Task Build first."
}
Import-Module $script:TestingManifest -Force

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
    Start-ArtEmulator -Path $script:EmulatorDll -ArgumentList $ArgumentList -TimeoutSeconds $TimeoutSeconds
}

function Stop-TestEmulator {
    <# .SYNOPSIS Kills an emulator started by Start-TestEmulator and waits for it to exit. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][AllowNull()][psobject]$Emulator)
    process { Stop-ArtEmulator -Emulator $Emulator }
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

function Get-TestEmulatorMessage {
    <# .SYNOPSIS The messages the emulator received (GET /_emulator/messages), one object each. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][psobject]$Emulator)
    process { Get-ArtEmulatorMessage -Emulator $Emulator }
}

function Clear-TestEmulator {
    <# .SYNOPSIS Forgets messages, stats and faults (POST /_emulator/reset); settings stay. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][psobject]$Emulator)
    process { Clear-ArtEmulator -Emulator $Emulator -Confirm:$false }
}

function Add-TestEmulatorFault {
    <#
    .SYNOPSIS
        Makes the emulator misbehave on a path (POST /_emulator/faults) and returns the rule, e.g.
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 503 -RetryAfter '1'
        Unlike Set-ArtEmulatorFault, it always sends a status (default 500).
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
        $fault = @{ Emulator = $Emulator; Path = $Path; Status = $Status; Count = $Count; Kind = $Kind
                    LatencyMs = $LatencyMs; Probability = $Probability; PassThru = $true; Confirm = $false }
        if ($PSBoundParameters.ContainsKey('RetryAfter')) { $fault.RetryAfter = $RetryAfter }
        if ($PSBoundParameters.ContainsKey('Body')) { $fault.Body = $Body }
        Set-ArtEmulatorFault @fault
    }
}

function Get-TestEmulatorStats {
    <# .SYNOPSIS Request counters the emulator keeps (GET /_emulator/stats). #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][psobject]$Emulator)
    process { Get-ArtEmulatorStatistic -Emulator $Emulator }
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
        $settings = @{ Emulator = $Emulator; Setting = $Setting; Confirm = $false }
        if ($PSBoundParameters.ContainsKey('TokenLifetimeSeconds')) { $settings.TokenLifetimeSeconds = $TokenLifetimeSeconds }
        Set-ArtEmulatorSetting @settings
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
