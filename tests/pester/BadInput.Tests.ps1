# Bad input is refused with a clear error that names the parameter and the problem, before any
# request leaves the machine: the emulator's request counters stay at zero.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    $null = Import-ArtRestUnderTest

    $script:tenant = $emu.Tenant
    $script:connected = New-TestSession -Emulator $emu -UserName alice
    $script:passcodeSession = New-TestSession -Emulator $emu -UserName alice -Stage Passcode
    $script:tokenSession = New-TestSession -Emulator $emu -UserName alice -Stage Token

    # Valid parameters for each cmdlet, for a test to spoil one of.
    function script:Get-ValidParameter([string]$Command) {
        switch ($Command) {
            'New-ArtPasscode' { $tenant + @{ Credential = $emu.Credential; UserName = 'alice' } }
            'Get-ArtToken' { $tenant + @{ Credential = $emu.Credential; UserName = 'alice' } }
            'New-ArtConnection' { @{ Session = $tokenSession } }
            'Send-ArtMessage' { @{ Session = $connected; Channel = 'ops'; Content = 'x' } }
            default { throw "No parameters for $Command." }
        }
    }

    function script:Assert-NoRequest {
        $stats = Get-TestEmulatorStats -Emulator $emu
        foreach ($counter in 'passcode', 'token', 'refresh', 'newConnection', 'push') {
            $stats.$counter | Should -Be 0 -Because "no $counter request may be sent for bad input"
        }
    }

    function script:Get-ClassName([string]$Command) { 'ArtRest.Commands.' + ($Command -replace '-') + 'Command' }
}

AfterAll {
    Clear-ArtSession
    $emu | Stop-TestEmulator
}

BeforeDiscovery {
    $script:blankCases = foreach ($case in @(
            @{ Command = 'New-ArtPasscode'; Parameter = 'UserName' }
            @{ Command = 'New-ArtPasscode'; Parameter = 'Organization' }
            @{ Command = 'New-ArtPasscode'; Parameter = 'Environment' }
            @{ Command = 'New-ArtPasscode'; Parameter = 'ProjectKey' }
            @{ Command = 'New-ArtPasscode'; Parameter = 'ClientId' }
            @{ Command = 'New-ArtPasscode'; Parameter = 'BaseUri' }
            @{ Command = 'New-ArtPasscode'; Parameter = 'ConfigurationPath' }
            @{ Command = 'Get-ArtToken'; Parameter = 'UserName' }
            @{ Command = 'Get-ArtToken'; Parameter = 'Organization' }
            @{ Command = 'Get-ArtToken'; Parameter = 'Environment' }
            @{ Command = 'Get-ArtToken'; Parameter = 'ProjectKey' }
            @{ Command = 'Send-ArtMessage'; Parameter = 'Channel' }
            @{ Command = 'Send-ArtMessage'; Parameter = 'Event' }
        )) {
        foreach ($value in '', ' ', "`t ") {
            @{ Command = $case.Command; Parameter = $case.Parameter; Value = $value; Shown = "'$($value -replace "`t", '\t')'" }
        }
    }
}

Describe 'Empty or whitespace names' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It '<Command> -<Parameter> <Shown> is a validation error naming -<Parameter>' -TestCases $blankCases {
        param($Command, $Parameter, $Value)
        $parameters = Get-ValidParameter $Command
        $parameters[$Parameter] = $Value

        $err = { & $Command @parameters -ErrorAction SilentlyContinue } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -Match "^ParameterArgumentValidationError\w*,$([regex]::Escape((Get-ClassName $Command)))$"
        $err.Exception.Message | Should -BeLike "*'$Parameter'*"
        Assert-NoRequest
    }

    It 'says what is wrong with a blank value' {
        $err = { Send-ArtMessage -Session $connected -Channel '  ' -Content x } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike "*parameter 'Channel'*empty or whitespace*"
    }

    It 'sends an empty -Content (allowed) as an empty string' {
        $r = Send-ArtMessage -Session $connected -Channel ops -Content '' -ErrorAction Stop
        $r.Content | Should -BeExactly ''
        @(Get-TestEmulatorMessage -Emulator $emu)[0].content | Should -BeExactly ''
    }
}

Describe 'Numbers out of range' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It '<Command> -<Parameter> <Value> is a validation error naming -<Parameter>' -TestCases @(
        @{ Command = 'Send-ArtMessage'; Parameter = 'TimeoutSec'; Value = 0 }
        @{ Command = 'Send-ArtMessage'; Parameter = 'MaximumRetryCount'; Value = -1 }
        @{ Command = 'Send-ArtMessage'; Parameter = 'RetryIntervalSec'; Value = -1 }
        @{ Command = 'Send-ArtMessage'; Parameter = 'ThrottleLimit'; Value = 0 }
        @{ Command = 'Send-ArtMessage'; Parameter = 'ThrottleLimit'; Value = 65 }
        @{ Command = 'New-ArtPasscode'; Parameter = 'TimeoutSec'; Value = 86401 }
    ) {
        param($Command, $Parameter, $Value)
        $parameters = Get-ValidParameter $Command
        $parameters[$Parameter] = $Value

        $err = { & $Command @parameters } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "ParameterArgumentValidationError,$(Get-ClassName $Command)"
        $err.Exception.Message | Should -BeLike "*'$Parameter'*"
        Assert-NoRequest
    }
}

Describe '-BaseUri that is not an absolute http(s) URI' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It '<Command> -BaseUri <BaseUri> is ArtInvalidParameter naming -BaseUri' -TestCases @(
        @{ Command = 'New-ArtPasscode'; BaseUri = 'ws/api' }
        @{ Command = 'New-ArtPasscode'; BaseUri = '/ws' }
        @{ Command = 'New-ArtPasscode'; BaseUri = 'dev.arealtimetech.com/ws' }
        @{ Command = 'New-ArtPasscode'; BaseUri = 'ftp://dev.arealtimetech.com/ws' }
        @{ Command = 'Get-ArtToken'; BaseUri = 'ftp://127.0.0.1/ws' }
    ) {
        param($Command, $BaseUri)
        $parameters = Get-ValidParameter $Command
        $parameters.BaseUri = $BaseUri

        # Terminating: -ErrorAction SilentlyContinue does not hide it.
        $err = { & $Command @parameters -ErrorAction SilentlyContinue } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly "ArtInvalidParameter,$(Get-ClassName $Command)"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*-BaseUri*"
        $err.Exception.Message.Contains($BaseUri) | Should -BeTrue
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Assert-NoRequest
    }
}

Describe '-Content that cannot be sent' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It 'a self-referencing <Kind> is ArtContentNotSerializable; the inputs before and after are sent' -TestCases @(
        @{ Kind = 'hashtable' }
        @{ Kind = 'pscustomobject' }
        @{ Kind = 'list' }
    ) {
        param($Kind)
        $loop = switch ($Kind) {
            'hashtable' { $h = @{ name = 'loop' }; $h.self = $h; $h }
            'pscustomobject' { $o = [pscustomobject]@{ name = 'loop' }; $o | Add-Member -NotePropertyName self -NotePropertyValue $o; $o }
            'list' { $l = [System.Collections.ArrayList]::new(); $null = $l.Add('item'); $null = $l.Add($l); , $l }
        }
        $inputs = @(
            [pscustomobject]@{ Channel = 'ops'; Content = 'before' }
            [pscustomobject]@{ Channel = 'loops'; Content = $loop }
            [pscustomobject]@{ Channel = 'ops'; Content = 'after' }
        )

        $results = @($inputs | Send-ArtMessage -Session $connected -ErrorVariable err -ErrorAction SilentlyContinue)

        ($results.Content -join ',') | Should -BeExactly 'before,after'
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ArtContentNotSerializable,ArtRest.Commands.SendArtMessageCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -BeLike '*-Content*itself*'
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $err[0].TargetObject.Channel | Should -BeExactly 'loops'
        (@(Get-TestEmulatorMessage -Emulator $emu).content -join ',') | Should -BeExactly 'before,after'
        (Get-TestEmulatorStats -Emulator $emu).push | Should -Be 2
    }

    It 'content nested deeper than 32 levels is ArtContentNotSerializable' {
        $deep = 'bottom'
        1..40 | ForEach-Object { $deep = @{ inner = $deep } }
        $null = Send-ArtMessage -Session $connected -Channel ops -Content $deep -ErrorVariable err -ErrorAction SilentlyContinue

        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ArtContentNotSerializable,ArtRest.Commands.SendArtMessageCommand'
        $err[0].Exception.Message | Should -BeLike '*deeper*'
        Assert-NoRequest
    }

    It 'content over 1 MiB (<Name>) is ArtContentTooLarge; the next input is still sent' -TestCases @(
        @{ Name = '1 MiB + 1 ASCII characters'; Char = 'x'; Count = 1MB + 1 }
        @{ Name = '512 Ki + 1 two-byte characters'; Char = [string][char]0xE9; Count = 512KB + 1 }
    ) {
        param($Char, $Count)
        $big = $Char * $Count
        $results = @(
            [pscustomobject]@{ Channel = 'big'; Content = $big }
            [pscustomobject]@{ Channel = 'ops'; Content = 'small' }
        ) | Send-ArtMessage -Session $connected -ErrorVariable err -ErrorAction SilentlyContinue

        @($results).Content | Should -BeExactly 'small'
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ArtContentTooLarge,ArtRest.Commands.SendArtMessageCommand'
        $err[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $err[0].Exception.Message | Should -BeLike '*-Content*1 MiB*'
        $err[0].TargetObject.Channel | Should -BeExactly 'big'
        (Get-TestEmulatorStats -Emulator $emu).push | Should -Be 1
    }

    It 'content of exactly 1 MiB is sent' {
        $r = Send-ArtMessage -Session $connected -Channel big -Content ('x' * 1MB) -ErrorAction Stop
        $r.Content.Length | Should -Be 1MB
        (Get-TestEmulatorStats -Emulator $emu).pushAccepted | Should -Be 1
    }
}

Describe '-To with an empty name' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    # Either a binding error or a non-terminating ArtInvalidParameter: both name -To and send nothing.
    It '-To <Shown> is an error naming -To; nothing is sent' -TestCases @(
        @{ To = @(''); Shown = "''" }
        @{ To = @(' '); Shown = "' '" }
        @{ To = @('bob', ''); Shown = "bob, ''" }
        @{ To = @('bob;;carol'); Shown = "'bob;;carol'" }
        @{ To = @(';bob'); Shown = "';bob'" }
        @{ To = @('bob,'); Shown = "'bob,'" }
        @{ To = @('bob, ;carol'); Shown = "'bob, ;carol'" }
    ) {
        param($To)
        $out = @()
        $failures = @()
        try {
            $out = @(Send-ArtMessage -Session $connected -Channel ops -Content x -To $To -ErrorVariable err -ErrorAction SilentlyContinue)
            $failures = @($err)
        }
        catch {
            $failures = @($_)
        }

        $out | Should -HaveCount 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId |
            Should -Match '^(ArtInvalidParameter|ParameterArgumentValidationError\w*),ArtRest\.Commands\.SendArtMessageCommand$'
        $failures[0].Exception.Message | Should -Match "(-To\b|'To')"
        $failures[0].Exception.Message | Should -BeLike '*empty*'
        Assert-NoRequest
    }

    It '-To <To> names the item and targets the message' -TestCases @(
        @{ To = 'bob;;carol' }
        @{ To = 'bob, ;carol' }
    ) {
        param($To)
        $null = Send-ArtMessage -Session $connected -Channel ops -Content x -To $To -ErrorVariable err -ErrorAction SilentlyContinue

        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ArtInvalidParameter,ArtRest.Commands.SendArtMessageCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message.Contains($To) | Should -BeTrue
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $err[0].TargetObject.Channel | Should -BeExactly 'ops'
        $err[0].TargetObject.Content | Should -BeExactly 'x'
    }

    It 'a bad -To in one row does not stop the other rows' {
        $rows = @(
            [pscustomobject]@{ Channel = 'ops'; Content = 'one'; To = 'bob' }
            [pscustomobject]@{ Channel = 'ops'; Content = 'two'; To = 'bob;;carol' }
            [pscustomobject]@{ Channel = 'ops'; Content = 'three'; To = 'carol' }
        )
        $results = @($rows | Send-ArtMessage -Session $connected -ErrorVariable err -ErrorAction SilentlyContinue)

        ($results.Content -join ',') | Should -BeExactly 'one,three'
        $err | Should -HaveCount 1
        $err[0].TargetObject.Content | Should -BeExactly 'two'
        (@(Get-TestEmulatorMessage -Emulator $emu).content -join ',') | Should -BeExactly 'one,three'
    }
}

Describe 'A session at the wrong stage' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It '<Command> with a <Stage> session is terminating ArtSessionStageMissing naming <Step>' -TestCases @(
        @{ Command = 'New-ArtConnection'; Stage = 'Passcode'; Step = 'Get-ArtToken' }
        @{ Command = 'Send-ArtMessage'; Stage = 'Passcode'; Step = 'New-ArtConnection' }
        @{ Command = 'Send-ArtMessage'; Stage = 'Token'; Step = 'New-ArtConnection' }
        @{ Command = 'Get-ArtToken -Refresh'; Stage = 'Passcode'; Step = 'Get-ArtToken' }
    ) {
        param($Command, $Stage, $Step)
        $session = if ($Stage -eq 'Passcode') { $passcodeSession } else { $tokenSession }
        $session.Stage | Should -Be $Stage
        $run = switch ($Command) {
            'New-ArtConnection' { { $session | New-ArtConnection -ErrorAction SilentlyContinue } }
            'Send-ArtMessage' { { Send-ArtMessage -Session $session -Channel ops -Content x -ErrorAction SilentlyContinue } }
            'Get-ArtToken -Refresh' { { $session | Get-ArtToken -Refresh -ErrorAction SilentlyContinue } }
        }

        $err = $run | Should -Throw -PassThru

        $cmdlet = ($Command -split ' ')[0]
        $err.FullyQualifiedErrorId | Should -BeExactly "ArtSessionStageMissing,$(Get-ClassName $cmdlet)"
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Exception.Message | Should -BeLike "*'$Stage'*run $Step*"
        $err.ErrorDetails.RecommendedAction | Should -BeLike "*$Step*"
        Assert-NoRequest
    }
}

Describe 'A session whose access token was tampered with' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It 'is refused when it binds to -Session, naming the parameter and the unreadable token' -TestCases @(
        @{ Token = 'not-a-jwt'; Why = '*not a JWT*' }
        @{ Token = 'eyJhbGciOiJIUzI1NiJ9.!!!.sig'; Why = '*base64url*' }
        @{ Token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig'; Why = '*exp*' }
    ) {
        param($Token, $Why)
        # What a hand-edited Export-Clixml file gives back: the session's properties, one secret changed.
        $copy = [ordered]@{}
        foreach ($property in $connected.PSObject.Properties) { $copy[$property.Name] = $property.Value }
        $copy.AccessToken = ConvertTo-SecureString $Token -AsPlainText -Force
        $tampered = [pscustomobject]$copy

        $err = { Send-ArtMessage -Session $tampered -Channel ops -Content x } | Should -Throw -PassThru

        $err.Exception.Message | Should -BeLike "*parameter 'Session'*"
        $err.Exception.Message | Should -BeLike '*access token cannot be read*'
        $err.Exception.Message | Should -BeLike $Why
        $err.Exception.Message | Should -Not -BeLike "*$Token*"
        Assert-NoRequest
    }
}

Describe 'Send-ArtMessage without a session' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It 'after Clear-ArtSession is terminating ArtNoDefaultSession' {
        $null = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        Clear-ArtSession

        $err = { Send-ArtMessage -Channel ops -Content x -ErrorAction SilentlyContinue } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly 'ArtNoDefaultSession,ArtRest.Commands.SendArtMessageCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Exception.Message | Should -BeLike '*New-ArtConnection*-Session*'
        Assert-NoRequest
    }

    It 'in a fresh runspace is ArtNoDefaultSession even while this runspace has one' {
        $mine = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Helpers)
                    Import-Module $Helpers
                    $null = Import-ArtRestUnderTest
                    Clear-ArtSession
                    try { $null = Send-ArtMessage -Channel ops -Content x -ErrorAction Stop; 'sent' }
                    catch { $_.FullyQualifiedErrorId }
                }).AddArgument((Join-Path $PSScriptRoot 'TestHelpers.psm1'))
            $answer = @($ps.Invoke())
        }
        finally { $ps.Dispose() }

        $answer | Should -HaveCount 1
        $answer[0] | Should -BeExactly 'ArtNoDefaultSession,ArtRest.Commands.SendArtMessageCommand'
        [object]::ReferenceEquals((Get-ArtSession), $mine) | Should -BeTrue
        Assert-NoRequest
    }
}

Describe '-ConfigurationPath' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It 'to a missing file is ArtConfigurationFileNotFound naming the file' {
        $path = Join-Path $TestDrive 'no-such-adk-services.json'
        $err = { New-ArtPasscode -BaseUri $emu.BaseUri -ConfigurationPath $path -UserName alice } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly 'ArtConfigurationFileNotFound,ArtRest.Commands.NewArtPasscodeCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message.Contains($path) | Should -BeTrue
        Assert-NoRequest
    }

    It 'to <Name> is ArtConfigurationFileInvalid saying why' -TestCases @(
        @{ Name = 'invalid JSON'; Text = '{ "Org-Title": "demo-org", "Environment": '; Why = '*not valid JSON*' }
        @{ Name = 'a JSON array'; Text = '[ { "Org-Title": "demo-org" } ]'; Why = '*Array*' }
        @{ Name = 'a JSON string'; Text = '"demo-org"'; Why = '*String*' }
        @{ Name = 'a number where a string belongs'; Text = '{ "Org-Title": 42 }'; Why = '*Org-Title*' }
    ) {
        param($Text, $Why)
        $path = Join-Path $TestDrive 'adk-services.json'
        Set-Content -LiteralPath $path -Value $Text

        $err = { New-ArtPasscode -BaseUri $emu.BaseUri -ConfigurationPath $path -UserName alice } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly 'ArtConfigurationFileInvalid,ArtRest.Commands.NewArtPasscodeCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message.Contains($path) | Should -BeTrue
        $err.Exception.Message | Should -BeLike $Why
        Assert-NoRequest
    }

    It 'to a valid adk-services.json signs in with its values; parameters win over it' {
        $path = Join-Path $TestDrive 'adk-services.json'
        [ordered]@{
            'Client-ID'     = $emu.ClientId
            'Client-Secret' = $emu.ClientSecret
            'Org-Title'     = $emu.Organization
            'Environment'   = $emu.Environment
            'ProjectKey'    = 'overridden-by-the-parameter'
        } | ConvertTo-Json | Set-Content -LiteralPath $path

        $s = New-ArtPasscode -BaseUri $emu.BaseUri -ConfigurationPath $path -ProjectKey $emu.ProjectKey -UserName alice -ErrorAction Stop

        $s.Stage | Should -Be 'Passcode'
        $s.Organization | Should -BeExactly 'demo-org'
        $s.ProjectKey | Should -BeExactly 'demo-project'
        $s.ClientId | Should -BeExactly 'demo-client-id'
        (Get-TestEmulatorStats -Emulator $emu).passcode | Should -Be 1
    }
}

Describe 'Missing configuration' {
    BeforeAll {
        $script:artVariables = 'ART_BASE_URI', 'ART_ORG', 'ART_ENVIRONMENT', 'ART_PROJECT_KEY', 'ART_CLIENT_ID', 'ART_CLIENT_SECRET'
        $script:savedEnvironment = @{}
        foreach ($name in $artVariables) {
            $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
        }
    }

    BeforeEach {
        foreach ($name in $artVariables) { [Environment]::SetEnvironmentVariable($name, $null) }
        Clear-TestEmulator -Emulator $emu
    }

    AfterAll {
        foreach ($name in $artVariables) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
    }

    It 'is ArtConfigurationMissing listing every missing value and where it was looked for' {
        $err = { New-ArtPasscode -BaseUri $emu.BaseUri -UserName alice -ErrorAction SilentlyContinue } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly 'ArtConfigurationMissing,ArtRest.Commands.NewArtPasscodeCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $message = $err.Exception.Message
        $message | Should -BeLike '*5 more values*'
        foreach ($field in 'Organization', 'Environment', 'ProjectKey', 'ClientId', 'ClientSecret') {
            $message | Should -Match "(?m)^\s*${field}: looked for parameter -$field"
        }
        foreach ($variable in 'ART_ORG', 'ART_ENVIRONMENT', 'ART_PROJECT_KEY', 'ART_CLIENT_ID', 'ART_CLIENT_SECRET') {
            $message | Should -BeLike "*$variable*"
        }
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Assert-NoRequest
    }

    It 'lists only the values still missing' {
        $err = { New-ArtPasscode -BaseUri $emu.BaseUri -Organization demo-org -Credential $emu.Credential -UserName alice } |
            Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly 'ArtConfigurationMissing,ArtRest.Commands.NewArtPasscodeCommand'
        $message = $err.Exception.Message
        $message | Should -BeLike '*2 more values*'
        $message | Should -Match '(?m)^\s*Environment: '
        $message | Should -Match '(?m)^\s*ProjectKey: '
        $message | Should -Not -Match '(?m)^\s*(Organization|ClientId|ClientSecret): '
        Assert-NoRequest
    }

    It 'Get-ArtToken with a passcode needs no client secret but still the tenant' {
        $err = { Get-ArtToken -BaseUri $emu.BaseUri -Passcode $passcodeSession.Passcode -UserName alice } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly 'ArtConfigurationMissing,ArtRest.Commands.GetArtTokenCommand'
        $err.Exception.Message | Should -BeLike '*3 more values*'
        $err.Exception.Message | Should -Not -BeLike '*ClientSecret*'
        Assert-NoRequest
    }

    It 'takes every value from the ART_* environment variables' {
        [Environment]::SetEnvironmentVariable('ART_BASE_URI', $emu.BaseUri)
        [Environment]::SetEnvironmentVariable('ART_ORG', $emu.Organization)
        [Environment]::SetEnvironmentVariable('ART_ENVIRONMENT', $emu.Environment)
        [Environment]::SetEnvironmentVariable('ART_PROJECT_KEY', $emu.ProjectKey)
        [Environment]::SetEnvironmentVariable('ART_CLIENT_ID', $emu.ClientId)
        [Environment]::SetEnvironmentVariable('ART_CLIENT_SECRET', $emu.ClientSecret)

        $s = New-ArtPasscode -UserName alice -ErrorAction Stop

        $s.Stage | Should -Be 'Passcode'
        $s.BaseUri.AbsoluteUri.TrimEnd('/') | Should -BeExactly $emu.BaseUri
        $s.Organization | Should -BeExactly 'demo-org'
        (Get-TestEmulatorStats -Emulator $emu).passcode | Should -Be 1
    }
}

Describe 'Client credentials given twice' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It '<Command> -Credential with -<Other> is ArtInvalidParameter naming both' -TestCases @(
        @{ Command = 'New-ArtPasscode'; Other = 'ClientId' }
        @{ Command = 'New-ArtPasscode'; Other = 'ClientSecret' }
        @{ Command = 'Get-ArtToken'; Other = 'ClientId' }
    ) {
        param($Command, $Other)
        $parameters = Get-ValidParameter $Command
        $parameters[$Other] = if ($Other -eq 'ClientId') { $emu.ClientId } else { ConvertTo-SecureString $emu.ClientSecret -AsPlainText -Force }

        $err = { & $Command @parameters -ErrorAction SilentlyContinue } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly "ArtInvalidParameter,$(Get-ClassName $Command)"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike '*-Credential*'
        $err.Exception.Message | Should -BeLike "*-ClientId*"
        Assert-NoRequest
    }
}

Describe 'Plain http to a host that is not loopback' {
    BeforeAll {
        # Debug output shows "HTTP request: ..." just before a request goes out.
        function script:Get-SentRequest([object[]]$Records) {
            @($Records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -like 'HTTP request:*' })
        }
    }

    It '<Command> to http://example.com is ArtInsecureTransport (SecurityError) and sends nothing' -TestCases @(
        @{ Command = 'New-ArtPasscode' }
        @{ Command = 'Get-ArtToken' }
    ) {
        param($Command)
        $parameters = Get-ValidParameter $Command
        $parameters.BaseUri = 'http://example.com/ws'

        $records = @(& $Command @parameters -MaximumRetryCount 0 -Debug -ErrorVariable err -ErrorAction SilentlyContinue 5>&1)

        @($records | Where-Object { $_ -is [ArtRest.Client.ArtSession] }) | Should -HaveCount 0
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "ArtInsecureTransport,$(Get-ClassName $Command)"
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $err[0].Exception.Message | Should -BeLike '*http://example.com*unencrypted*'
        $err[0].Exception.InnerException | Should -BeNullOrEmpty
        $err[0].ErrorDetails.RecommendedAction | Should -BeLike '*-AllowUnencryptedAuthentication*'
        Get-SentRequest $records | Should -HaveCount 0
    }

    It 'is allowed with -AllowUnencryptedAuthentication (then fails to resolve the name, not for security)' {
        $parameters = Get-ValidParameter 'New-ArtPasscode'
        $parameters.BaseUri = 'http://artrest-nonexistent.invalid/ws'

        $records = @(New-ArtPasscode @parameters -AllowUnencryptedAuthentication -MaximumRetryCount 0 -TimeoutSec 2 `
                -Debug -ErrorVariable err -ErrorAction SilentlyContinue 5>&1)

        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Not -BeLike 'ArtInsecureTransport,*'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'Art*,ArtRest.Commands.NewArtPasscodeCommand'
        Get-SentRequest $records | Should -HaveCount 1
    }

    It 'is allowed without the switch to loopback (the emulator)' {
        $emu.BaseUri | Should -BeLike 'http://127.0.0.1:*'
        $parameters = Get-ValidParameter 'New-ArtPasscode'
        (New-ArtPasscode @parameters -ErrorAction Stop).Stage | Should -Be 'Passcode'
    }
}

Describe '-SkipCertificateCheck' {
    It '<Command> -SkipCertificateCheck writes a warning and still works' -TestCases @(
        @{ Command = 'New-ArtPasscode' }
        @{ Command = 'Send-ArtMessage' }
    ) {
        param($Command)
        $parameters = Get-ValidParameter $Command

        $out = @(& $Command @parameters -SkipCertificateCheck -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop)

        $out | Should -HaveCount 1
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike '*-SkipCertificateCheck*not validated*'
    }

    It 'writes no warning without it' {
        $parameters = Get-ValidParameter 'New-ArtPasscode'
        $null = New-ArtPasscode @parameters -WarningVariable warnings -ErrorAction Stop
        $warnings | Should -HaveCount 0
    }
}
