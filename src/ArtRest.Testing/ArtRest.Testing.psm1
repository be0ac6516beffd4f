# ArtRest.Testing: run the ART emulator from Pester tests of runbooks that use ArtRest.
#
#   BeforeAll {
#       Import-Module ArtRest, ArtRest.Testing
#       $emu = Start-ArtEmulator
#   }
#   AfterAll { $emu | Stop-ArtEmulator }
#
# Everything here talks to a local emulator (loopback, demo tenant), never to a live ART service.

Set-StrictMode -Version 3.0

# The tenant every emulator starts with (unless --config replaces it).
$script:DemoTenant = [ordered]@{
    Organization = 'demo-org'
    Environment  = 'dev'
    ProjectKey   = 'demo-project'
    ClientId     = 'demo-client-id'
    ClientSecret = 'demo-client-secret'
}

# Emulators this module started and has not stopped, each with the ProcessExit handler that kills
# it if PowerShell exits first (a compiled delegate: a script block cannot run at process exit).
$script:Running = [System.Collections.Generic.Dictionary[System.Diagnostics.Process, System.EventHandler]]::new()

function Register-EmulatorProcess {
    param([System.Diagnostics.Process]$Process)
    $E = [System.Linq.Expressions.Expression]
    $kill = [System.Diagnostics.Process].GetMethod('Kill', [type[]]@([bool]))
    $body = $E::TryCatch($E::Call($E::Constant($Process), $kill, $E::Constant($true)), $E::Catch([Exception], $E::Empty()))
    $parameters = [System.Linq.Expressions.ParameterExpression[]]@($E::Parameter([object], 'sender'), $E::Parameter([EventArgs], 'e'))
    $handler = $E::Lambda[EventHandler]($body, $parameters).Compile()
    [AppDomain]::CurrentDomain.add_ProcessExit($handler)
    $script:Running[$Process] = $handler
}

function Unregister-EmulatorProcess {
    param([System.Diagnostics.Process]$Process)
    $handler = $null
    if ($script:Running.TryGetValue($Process, [ref]$handler)) {
        [AppDomain]::CurrentDomain.remove_ProcessExit($handler)
        $null = $script:Running.Remove($Process)
    }
}

function Resolve-EmulatorCommand {
    # What to start for -Path (or the default): an array, the program first, then its leading arguments.
    param([string]$Path)

    if (-not $Path) {
        $besideModule = Join-Path $PSScriptRoot '../emulator/ArtRest.Emulator.dll'
        if (Test-Path -LiteralPath $besideModule -PathType Leaf) {
            $Path = (Resolve-Path -LiteralPath $besideModule).ProviderPath
        }
        else {
            $tool = Get-Command art-emulator -CommandType Application -ErrorAction Ignore | Select-Object -First 1
            if (-not $tool) {
                throw "No ART emulator found: neither $besideModule nor an 'art-emulator' command on PATH. " +
                    "Install it (dotnet tool install --global ArtRest.Emulator) or pass -Path."
            }
            return @($tool.Source)
        }
    }

    if ($Path -like '*.dll') {
        $dll = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
        if (-not (Test-Path -LiteralPath $dll -PathType Leaf)) { throw "The emulator assembly $dll does not exist." }
        $dotnet = Get-Command dotnet -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if (-not $dotnet) { throw "Starting $dll needs the 'dotnet' command on PATH." }
        return @($dotnet.Source, $dll)
    }

    $file = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    if (Test-Path -LiteralPath $file -PathType Leaf) { return @($file) }
    $command = Get-Command $Path -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $command) { throw "The emulator '$Path' is neither a file nor a command on PATH." }
    @($command.Source)
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
    finally {
        Unregister-EmulatorProcess $Process
    }
}

function Start-ArtEmulator {
    <#
    .SYNOPSIS
        Starts the ART emulator on a free loopback port and returns a handle to it.
    .DESCRIPTION
        Starts the emulator with --port 0, waits for the base URI it prints as its first line on
        stdout, and returns an object with:
          BaseUri, AdminUri                           where it listens, e.g. http://127.0.0.1:41234/ws
          Organization, Environment, ProjectKey,
          ClientId, ClientSecret, Credential          the demo tenant (Credential: a PSCredential)
          Tenant                                      a hashtable of BaseUri, Organization, Environment
                                                      and ProjectKey, to splat beside other credentials
          ConnectionParameters                        a hashtable of BaseUri, Organization, Environment,
                                                      ProjectKey and Credential, to splat into
                                                      New-ArtPasscode or into a runbook
          Process                                     the emulator process
        Pass the object to Get-ArtEmulatorMessage, Set-ArtEmulatorFault, Clear-ArtEmulator and,
        at the end, Stop-ArtEmulator. An emulator left running is killed when this module is
        removed or PowerShell exits.

        Which emulator runs: -Path, else ../emulator/ArtRest.Emulator.dll beside this module's
        folder (the layout of ArtRest's build output, out/ArtRest.Testing next to out/emulator),
        else the art-emulator command on PATH (dotnet tool install --global ArtRest.Emulator).
    .PARAMETER Path
        The emulator to start: the path of ArtRest.Emulator.dll (run with dotnet), or the path or
        name of the art-emulator command.
    .PARAMETER ArgumentList
        More emulator options, after --port 0: e.g. '--token-lifetime', '5' or '--config', 'tenants.json'.
    .PARAMETER TimeoutSeconds
        How long to wait for the emulator to print its base URI.
    .EXAMPLE
        $emu = Start-ArtEmulator
        New-ArtPasscode @($emu.ConnectionParameters) -UserName alice | Get-ArtToken | New-ArtConnection |
            Send-ArtMessage -Channel ops -Content 'hello'
        Get-ArtEmulatorMessage -Emulator $emu
        $emu | Stop-ArtEmulator
    .EXAMPLE
        $emu = Start-ArtEmulator -Path art-emulator -ArgumentList '--token-lifetime', '5'
    .OUTPUTS
        ArtRest.Testing.Emulator
    #>
    [CmdletBinding()]
    [OutputType('ArtRest.Testing.Emulator')]
    param(
        [Parameter(Position = 0)]
        [string]$Path,

        [string[]]$ArgumentList = @(),

        [ValidateRange(1, 300)]
        [int]$TimeoutSeconds = 30
    )

    $command = @(Resolve-EmulatorCommand -Path $Path)
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($command[0])
    foreach ($argument in @($command | Select-Object -Skip 1) + @('--port', '0') + $ArgumentList) {
        $startInfo.ArgumentList.Add($argument)
    }
    $startInfo.WorkingDirectory = if ($command.Count -gt 1) { Split-Path $command[1] } else { [IO.Path]::GetTempPath() }
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.RedirectStandardInput = $true   # the emulator never waits on our console
    Write-Verbose "Starting $($command -join ' ') --port 0 $($ArgumentList -join ' ')"
    $process = [System.Diagnostics.Process]::Start($startInfo)
    Register-EmulatorProcess $process

    $baseUri = $null
    $seen = [System.Collections.Generic.List[string]]::new()
    try {
        # The first stdout line is the base URI; tolerate anything printed before it.
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not $baseUri) {
            $remaining = $deadline - [DateTime]::UtcNow
            $read = $process.StandardOutput.ReadLineAsync()
            if ($remaining -le [TimeSpan]::Zero -or -not $read.Wait($remaining)) {
                throw "The emulator printed no base URI within $TimeoutSeconds s."
            }
            $line = $read.Result
            if ($null -eq $line) {
                $code = if ($process.WaitForExit(2000)) { $process.ExitCode } else { 'unknown' }
                throw "The emulator exited (code $code) before printing its base URI."
            }
            $seen.Add($line)
            if ($line.Trim() -match '^https?://\S+$') { $baseUri = $line.Trim().TrimEnd('/') }
        }
    }
    catch {
        $failure = $_.Exception.Message
        $stderr = Stop-EmulatorProcess $process -CollectStandardError
        $process.Dispose()
        $output = (@($seen) + @($stderr)) -join [Environment]::NewLine
        throw "$failure$([Environment]::NewLine)Emulator output:$([Environment]::NewLine)$output"
    }

    # Keep draining both pipes so the emulator never blocks on a full one.
    $null = $process.StandardOutput.BaseStream.CopyToAsync([System.IO.Stream]::Null)
    $null = $process.StandardError.BaseStream.CopyToAsync([System.IO.Stream]::Null)

    # Where and who, without credentials: to splat beside whichever credentials a test chooses.
    $tenant = @{
        BaseUri      = $baseUri
        Organization = $script:DemoTenant.Organization
        Environment  = $script:DemoTenant.Environment
        ProjectKey   = $script:DemoTenant.ProjectKey
    }
    $credential = [pscredential]::new($script:DemoTenant.ClientId,
        (ConvertTo-SecureString $script:DemoTenant.ClientSecret -AsPlainText -Force))
    [pscustomobject]@{
        PSTypeName           = 'ArtRest.Testing.Emulator'
        BaseUri              = $baseUri
        AdminUri             = "$baseUri/_emulator"
        Organization         = $script:DemoTenant.Organization
        Environment          = $script:DemoTenant.Environment
        ProjectKey           = $script:DemoTenant.ProjectKey
        ClientId             = $script:DemoTenant.ClientId
        ClientSecret         = $script:DemoTenant.ClientSecret
        Credential           = $credential
        Tenant               = $tenant
        ConnectionParameters = $tenant + @{ Credential = $credential }
        Process              = $process
    }
}

function Stop-ArtEmulator {
    <#
    .SYNOPSIS
        Stops an emulator started by Start-ArtEmulator.
    .DESCRIPTION
        Kills the emulator process (and its children) and waits for it to exit. $null input is
        ignored, so `$emu | Stop-ArtEmulator` is safe in an AfterAll even when BeforeAll failed.
    .PARAMETER Emulator
        The object Start-ArtEmulator returned.
    .EXAMPLE
        AfterAll { $emu | Stop-ArtEmulator }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [AllowNull()]
        [psobject]$Emulator
    )
    process {
        if ($null -eq $Emulator) { return }
        $process = $Emulator.Process
        if ($process -is [System.Diagnostics.Process]) {
            Stop-EmulatorProcess $process
            $process.Dispose()
        }
    }
}

function Invoke-ArtEmulatorAdmin {
    # One call to the emulator's admin API ({BaseUri}/_emulator).
    param(
        [Parameter(Mandatory)][psobject]$Emulator,
        [Parameter(Mandatory)][string]$Method,
        [Parameter(Mandatory)][string]$Path,
        [object]$Body
    )
    $request = @{ Method = $Method; Uri = "$($Emulator.AdminUri)$Path"; ErrorAction = 'Stop' }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $request.Body = $Body | ConvertTo-Json -Depth 10 -Compress
        $request.ContentType = 'application/json'
    }
    Invoke-RestMethod @request
}

function Get-ArtEmulatorMessage {
    <#
    .SYNOPSIS
        Gets the messages the emulator accepted, oldest first.
    .DESCRIPTION
        One object per accepted push (GET {AdminUri}/messages), with id, receivedAt, org,
        channel, event, content, to (the recipients; empty = everyone on the channel),
        connectionId and user (who sent it). Nothing is written when there are none.
    .PARAMETER Emulator
        The object Start-ArtEmulator returned.
    .PARAMETER Channel
        Only the messages pushed to these channels.
    .EXAMPLE
        Get-ArtEmulatorMessage -Emulator $emu -Channel ops | Should -HaveCount 1
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [psobject]$Emulator,

        [string[]]$Channel
    )
    process {
        foreach ($message in (Invoke-ArtEmulatorAdmin $Emulator GET '/messages')) {
            if (-not $Channel -or $message.channel -in $Channel) { $message }
        }
    }
}

function Set-ArtEmulatorFault {
    <#
    .SYNOPSIS
        Makes the emulator fail the next request(s) to an ART endpoint.
    .DESCRIPTION
        Adds a fault rule (POST {AdminUri}/faults). Rules are checked in the order they were
        added; the first that hits applies and uses up one of its -Count. Clear-ArtEmulator
        removes them all.
    .PARAMETER Emulator
        The object Start-ArtEmulator returned.
    .PARAMETER Path
        The endpoint, relative to the base URI: /v1/connect/passcode, /auth/token,
        /auth/token/refresh, /v1/connect/new-connection or /v1/push-message.
    .PARAMETER Status
        The HTTP status to answer with (default: 503 for kind status, 502 for html).
    .PARAMETER Count
        How many requests fail; -1 means every one until cleared.
    .PARAMETER RetryAfter
        Sent as it is in a Retry-After header, e.g. '1'.
    .PARAMETER Kind
        status (default), delay, reset-before, reset-after (the push is recorded, then the
        connection drops), hang, html, empty, truncated, no-data, wrong-data, error-in-200, huge.
    .PARAMETER LatencyMs
        Delay before the fault acts.
    .PARAMETER Probability
        Chance (0 to 1) that a matching request hits the fault.
    .PARAMETER Seed
        Seeds the random choice -Probability makes, so a run can be repeated.
    .PARAMETER Body
        The body to answer with (kinds status and html).
    .PARAMETER ContentType
        The Content-Type of -Body.
    .PARAMETER PassThru
        Writes the rule the emulator stored.
    .EXAMPLE
        Set-ArtEmulatorFault -Emulator $emu -Path /v1/push-message -Status 503 -RetryAfter 1
        The next push is answered 503 with Retry-After: 1 (ArtRest retries it).
    .EXAMPLE
        Set-ArtEmulatorFault -Emulator $emu -Path /v1/push-message -Status 500
        The next push fails with ArtPushOutcomeUnknown: ArtRest does not resend it.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [psobject]$Emulator,

        [Parameter(Mandatory, Position = 0)]
        [ValidatePattern('^/')]
        [string]$Path,

        [ValidateRange(100, 599)]
        [int]$Status,

        [ValidateScript({ $_ -eq -1 -or $_ -ge 1 })]
        [int]$Count = 1,

        [string]$RetryAfter,

        [ValidateSet('status', 'delay', 'reset-before', 'reset-after', 'hang', 'html', 'empty', 'truncated',
            'no-data', 'wrong-data', 'error-in-200', 'huge')]
        [string]$Kind = 'status',

        [ValidateRange(0, 3600000)]
        [int]$LatencyMs,

        [ValidateRange(0.0, 1.0)]
        [double]$Probability = 1.0,

        [int]$Seed,

        [string]$Body,

        [string]$ContentType,

        [switch]$PassThru
    )
    process {
        $fault = [ordered]@{ path = $Path; count = $Count; probability = $Probability; kind = $Kind }
        if ($PSBoundParameters.ContainsKey('Status')) { $fault.status = $Status }
        if ($PSBoundParameters.ContainsKey('RetryAfter')) { $fault.retryAfter = $RetryAfter }
        if ($PSBoundParameters.ContainsKey('LatencyMs')) { $fault.latencyMs = $LatencyMs }
        if ($PSBoundParameters.ContainsKey('Seed')) { $fault.seed = $Seed }
        if ($PSBoundParameters.ContainsKey('Body')) { $fault.body = $Body }
        if ($PSBoundParameters.ContainsKey('ContentType')) { $fault.contentType = $ContentType }
        if (-not $PSCmdlet.ShouldProcess($Emulator.BaseUri + $Path, "Add fault $($fault | ConvertTo-Json -Compress)")) { return }
        $rule = Invoke-ArtEmulatorAdmin $Emulator POST '/faults' -Body $fault
        if ($PassThru) { $rule }
    }
}

function Clear-ArtEmulator {
    <#
    .SYNOPSIS
        Forgets the emulator's messages, request counters and faults.
    .DESCRIPTION
        POST {AdminUri}/reset: messages, stats and pending faults are cleared; settings stay.
        Use it in BeforeEach so that every test starts from an empty message list.
    .PARAMETER Emulator
        The object Start-ArtEmulator returned.
    .EXAMPLE
        BeforeEach { Clear-ArtEmulator -Emulator $emu }
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [psobject]$Emulator
    )
    process {
        if ($PSCmdlet.ShouldProcess($Emulator.BaseUri, 'Clear messages, stats and faults')) {
            $null = Invoke-ArtEmulatorAdmin $Emulator POST '/reset'
        }
    }
}

function Get-ArtEmulatorStatistic {
    <#
    .SYNOPSIS
        Gets the emulator's request counters.
    .DESCRIPTION
        GET {AdminUri}/stats: requests per endpoint (passcode, token, refresh, newConnection,
        push; faulted requests included) and pushAccepted (messages stored).
    .PARAMETER Emulator
        The object Start-ArtEmulator returned.
    .EXAMPLE
        (Get-ArtEmulatorStatistic -Emulator $emu).push | Should -Be 2
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [psobject]$Emulator
    )
    process { Invoke-ArtEmulatorAdmin $Emulator GET '/stats' }
}

function Set-ArtEmulatorSetting {
    <#
    .SYNOPSIS
        Changes settings of a running emulator.
    .DESCRIPTION
        PUT {AdminUri}/settings with the settings given; they apply to new tokens and requests.
        Writes the emulator's settings after the change.
    .PARAMETER Emulator
        The object Start-ArtEmulator returned.
    .PARAMETER TokenLifetimeSeconds
        Lifetime of new access tokens.
    .PARAMETER LatencyMs
        Delay added to every ART request.
    .PARAMETER Setting
        Any other settings, named as in the emulator's JSON (e.g. @{ passcodeLifetimeSeconds = 5 }).
    .EXAMPLE
        Set-ArtEmulatorSetting -Emulator $emu -TokenLifetimeSeconds 2
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [psobject]$Emulator,

        [ValidateRange(1, [int]::MaxValue)]
        [int]$TokenLifetimeSeconds,

        [ValidateRange(0, 3600000)]
        [int]$LatencyMs,

        [hashtable]$Setting = @{}
    )
    process {
        $body = [ordered]@{}
        foreach ($key in $Setting.Keys) { $body[$key] = $Setting[$key] }
        if ($PSBoundParameters.ContainsKey('TokenLifetimeSeconds')) { $body.tokenLifetimeSeconds = $TokenLifetimeSeconds }
        if ($PSBoundParameters.ContainsKey('LatencyMs')) { $body.latencyMs = $LatencyMs }
        if ($PSCmdlet.ShouldProcess($Emulator.BaseUri, "Change settings $($body | ConvertTo-Json -Compress)")) {
            Invoke-ArtEmulatorAdmin $Emulator PUT '/settings' -Body $body
        }
    }
}

# Never leave an emulator behind: not when the module is removed, not when PowerShell exits.
$running = $script:Running
$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($process in @($running.Keys)) {
        try { if (-not $process.HasExited) { $process.Kill($true) } } catch { $null = $_ }
        [AppDomain]::CurrentDomain.remove_ProcessExit($running[$process])
    }
    $running.Clear()
}.GetNewClosure()

Export-ModuleMember -Function Start-ArtEmulator, Stop-ArtEmulator, Get-ArtEmulatorMessage, Set-ArtEmulatorFault,
    Clear-ArtEmulator, Get-ArtEmulatorStatistic, Set-ArtEmulatorSetting
