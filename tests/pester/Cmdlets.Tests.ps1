# Each ArtRest cmdlet through the real pipeline against the emulator: what it outputs, how its
# parameters bind, what it sends, and that no view of its output shows a secret.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    $null = Import-ArtRestUnderTest

    # The demo tenant's identity, for splatting into New-ArtPasscode / Get-ArtToken.
    $script:tenant = $emu.Tenant

    function script:Get-PlainText([securestring]$Secure) {
        ConvertFrom-SecureString -SecureString $Secure -AsPlainText
    }

    # The payload of a JWT, read as a client reads it (base64url, no signature check).
    function script:Get-JwtPayload([string]$Jwt) {
        $parts = $Jwt.Split('.')
        $parts | Should -HaveCount 3
        $payload = $parts[1].Replace('-', '+').Replace('_', '/')
        switch ($payload.Length % 4) { 2 { $payload += '==' } 3 { $payload += '=' } }
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($payload)) | ConvertFrom-Json
    }

    function script:Get-Stats { Get-TestEmulatorStats -Emulator $emu }
}

AfterAll {
    Clear-ArtSession
    $emu | Stop-TestEmulator
}

Describe 'New-ArtPasscode' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It 'outputs one ArtSession at stage Passcode holding the identity and a passcode' {
        $sessions = @(New-ArtPasscode @tenant -Credential $emu.Credential -UserName alice -FirstName Alice -LastName Liddell)

        $sessions | Should -HaveCount 1
        $s = $sessions[0]
        $s | Should -BeOfType ([ArtRest.Client.ArtSession])
        $s.Stage | Should -Be ([ArtRest.Client.ArtSessionStage]::Passcode)
        $s.UserName | Should -BeExactly 'alice'
        $s.FirstName | Should -BeExactly 'Alice'
        $s.LastName | Should -BeExactly 'Liddell'
        $s.Organization | Should -BeExactly 'demo-org'
        $s.Environment | Should -BeExactly 'dev'
        $s.ProjectKey | Should -BeExactly 'demo-project'
        $s.BaseUri.AbsoluteUri.TrimEnd('/') | Should -BeExactly $emu.BaseUri
        $s.ClientId | Should -BeExactly 'demo-client-id'
        $s.Passcode | Should -BeOfType ([securestring])
        (Get-PlainText $s.Passcode).Length | Should -BeGreaterThan 0
        $s.AccessToken | Should -BeNullOrEmpty
        $s.ConnectionId | Should -BeNullOrEmpty
        (Get-Stats).passcode | Should -Be 1
    }

    It 'takes -ClientId and -ClientSecret instead of -Credential' {
        $secret = ConvertTo-SecureString $emu.ClientSecret -AsPlainText -Force
        $s = New-ArtPasscode @tenant -ClientId $emu.ClientId -ClientSecret $secret -UserName carol -ErrorAction Stop

        $s.Stage | Should -Be 'Passcode'
        $s.ClientId | Should -BeExactly 'demo-client-id'
        Get-PlainText $s.ClientSecret | Should -BeExactly 'demo-client-secret'
        ($s | Get-ArtToken -ErrorAction Stop).Stage | Should -Be 'Token'
        (Get-Stats).passcode | Should -Be 1
        (Get-Stats).token | Should -Be 1
    }

    It 'takes the organization as -OrgTitle (the ADKs'' Org-Title)' {
        (Get-Command New-ArtPasscode).Parameters['Organization'].Aliases | Should -Contain 'OrgTitle'
        (Get-Command Get-ArtToken).Parameters['Organization'].Aliases | Should -Contain 'OrgTitle'

        $s = New-ArtPasscode -BaseUri $emu.BaseUri -OrgTitle demo-org -Environment dev -ProjectKey demo-project `
            -Credential $emu.Credential -UserName alice -ErrorAction Stop
        $s.Organization | Should -BeExactly 'demo-org'
        $s.Stage | Should -Be 'Passcode'
    }
}

Describe 'Get-ArtToken' {
    BeforeAll {
        $script:passcodeSession = New-TestSession -Emulator $emu -UserName alice -Stage Passcode
        $script:tokenSession = $passcodeSession | Get-ArtToken -ErrorAction Stop
        $script:claims = Get-JwtPayload (Get-PlainText $tokenSession.AccessToken)
    }

    It 'outputs a new ArtSession at stage Token and leaves its input at stage Passcode' {
        $tokenSession | Should -BeOfType ([ArtRest.Client.ArtSession])
        $tokenSession.Stage | Should -Be ([ArtRest.Client.ArtSessionStage]::Token)
        [object]::ReferenceEquals($tokenSession, $passcodeSession) | Should -BeFalse
        $passcodeSession.Stage | Should -Be 'Passcode'
        $passcodeSession.AccessToken | Should -BeNullOrEmpty
        $tokenSession.ConnectionId | Should -BeNullOrEmpty
    }

    It 'holds an access token (a JWT for the user) and a refresh token' {
        $claims.username | Should -BeExactly 'alice'
        $claims.org | Should -BeExactly 'demo-org'
        (Get-PlainText $tokenSession.RefreshToken).Length | Should -BeGreaterThan 0
    }

    It 'reads TokenExpiresAt from the JWT''s exp: in the future, in UTC' {
        $expected = [DateTimeOffset]::FromUnixTimeSeconds([long]$claims.exp).UtcDateTime
        $tokenSession.TokenExpiresAt | Should -BeOfType ([datetime])
        $tokenSession.TokenExpiresAt.Kind | Should -Be ([DateTimeKind]::Utc)
        $tokenSession.TokenExpiresAt | Should -Be $expected
        $tokenSession.TokenExpiresAt | Should -BeGreaterThan ([datetime]::UtcNow)
    }

    It 'sets UserId to the JWT''s subject and keeps the user name' {
        $claims.sub | Should -Not -BeNullOrEmpty
        $tokenSession.UserId | Should -BeExactly $claims.sub
        $tokenSession.UserName | Should -BeExactly 'alice'
    }

    It 'signs in with -Passcode alone, without the client secret' {
        Clear-TestEmulator -Emulator $emu
        $s = Get-ArtToken @tenant -Passcode $passcodeSession.Passcode -UserName alice -ErrorAction Stop

        $s.Stage | Should -Be 'Token'
        $s.ClientSecret | Should -BeNullOrEmpty
        $s.UserName | Should -BeExactly 'alice'
        (Get-Stats).token | Should -Be 1
    }
}

Describe 'New-ArtConnection' {
    BeforeAll {
        Clear-ArtSession
        Clear-TestEmulator -Emulator $emu
        $script:tokenSession = New-TestSession -Emulator $emu -UserName alice -Stage Token
        $script:connected = @($tokenSession | New-ArtConnection -ErrorAction Stop)
    }

    It 'outputs one ArtSession at stage Connected with the connection id' {
        $connected | Should -HaveCount 1
        $connected[0] | Should -BeOfType ([ArtRest.Client.ArtSession])
        $connected[0].Stage | Should -Be ([ArtRest.Client.ArtSessionStage]::Connected)
        $connected[0].ConnectionId | Should -Match '^conn_[0-9a-f]{24}$'
        $connected[0].UserName | Should -BeExactly 'alice'
        $connected[0].TokenExpiresAt | Should -Be $tokenSession.TokenExpiresAt
        $tokenSession.ConnectionId | Should -BeNullOrEmpty
        (Get-Stats).newConnection | Should -Be 1
    }

    It 'makes the new session Get-ArtSession''s default' {
        $default = @(Get-ArtSession)
        $default | Should -HaveCount 1
        [object]::ReferenceEquals($default[0], $connected[0]) | Should -BeTrue
    }

    It 'replaces the default with the most recent connection' {
        $bob = New-TestSession -Emulator $emu -UserName bob
        (Get-ArtSession).UserName | Should -BeExactly 'bob'
        (Get-ArtSession).ConnectionId | Should -BeExactly $bob.ConnectionId
        $bob.ConnectionId | Should -Not -Be $connected[0].ConnectionId
    }

    It 'Clear-ArtSession forgets the default and outputs nothing' {
        $null = New-TestSession -Emulator $emu
        @(Clear-ArtSession) | Should -HaveCount 0
        @(Get-ArtSession) | Should -HaveCount 0
    }
}

Describe 'Send-ArtMessage' {
    BeforeAll {
        $script:alice = New-TestSession -Emulator $emu -UserName alice
    }

    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It 'outputs a result per message and the emulator stores the same message' {
        $before = [datetime]::UtcNow
        $results = @(Send-ArtMessage -Session $alice -Channel ops -Content 'disk full' -To bob, carol)

        $results | Should -HaveCount 1
        $r = $results[0]
        $r | Should -BeOfType ([ArtRest.Client.ArtMessageResult])
        $r.Channel | Should -BeExactly 'ops'
        $r.Event | Should -BeExactly 'message'
        $r.Content | Should -BeExactly 'disk full'
        ($r.To -join ',') | Should -BeExactly 'bob,carol'
        $r.ConnectionId | Should -BeExactly $alice.ConnectionId
        $r.UserName | Should -BeExactly 'alice'
        $r.ServerMessage | Should -BeExactly 'Message processed successfully'
        $r.Duration | Should -BeGreaterThan ([timespan]::Zero)
        $r.SentAt | Should -BeGreaterOrEqual $before.AddSeconds(-1)
        $r.SentAt | Should -BeLessOrEqual ([datetime]::UtcNow.AddSeconds(1))

        $messages = @(Get-TestEmulatorMessage -Emulator $emu)
        $messages | Should -HaveCount 1
        $messages[0].channel | Should -BeExactly 'ops'
        $messages[0].event | Should -BeExactly 'message'
        $messages[0].content | Should -BeExactly 'disk full'
        ($messages[0].to -join ',') | Should -BeExactly 'bob,carol'
        $messages[0].connectionId | Should -BeExactly $alice.ConnectionId
        $messages[0].user | Should -BeExactly 'alice'
        $messages[0].org | Should -BeExactly 'demo-org'
    }

    It 'sends -Event as given and, without -To, to everyone (no recipients)' {
        $r = Send-ArtMessage -Session $alice -Channel news -Event release -Content 'v2 is out' -ErrorAction Stop

        $r.Event | Should -BeExactly 'release'
        @($r.To) | Should -HaveCount 0
        $m = @(Get-TestEmulatorMessage -Emulator $emu)
        $m | Should -HaveCount 1
        $m[0].event | Should -BeExactly 'release'
        @($m[0].to) | Should -HaveCount 0
    }

    It 'uses -Session when given and the default session otherwise' {
        $bob = New-TestSession -Emulator $emu -UserName bob     # now the default
        (Get-ArtSession).UserName | Should -BeExactly 'bob'

        $byDefault = Send-ArtMessage -Channel ops -Content 'from the default' -ErrorAction Stop
        $explicit = Send-ArtMessage -Session $alice -Channel ops -Content 'explicit' -ErrorAction Stop
        $piped = $alice | Send-ArtMessage -Channel ops -Content 'piped' -ErrorAction Stop

        $byDefault.UserName | Should -BeExactly 'bob'
        $byDefault.ConnectionId | Should -BeExactly $bob.ConnectionId
        $explicit.UserName | Should -BeExactly 'alice'
        $piped.UserName | Should -BeExactly 'alice'
        $m = @(Get-TestEmulatorMessage -Emulator $emu)
        ($m | ForEach-Object { "$($_.user):$($_.content)" }) -join '|' |
            Should -BeExactly 'bob:from the default|alice:explicit|alice:piped'
        $m[0].connectionId | Should -BeExactly $bob.ConnectionId
        $m[1].connectionId | Should -BeExactly $alice.ConnectionId
    }

    It 'sends a hashtable -Content as its JSON text' {
        $content = @{ text = 'hi'; count = 3; tags = @('a', 'b'); nested = @{ ok = $true; ratio = 0.5 } }
        $r = Send-ArtMessage -Session $alice -Channel data -Content $content -ErrorAction Stop

        $m = @(Get-TestEmulatorMessage -Emulator $emu)
        $m | Should -HaveCount 1
        $m[0].content | Should -BeOfType ([string])
        $m[0].content | Should -BeExactly $r.Content
        $parsed = $m[0].content | ConvertFrom-Json -AsHashtable
        @($parsed.Keys | Sort-Object) -join ',' | Should -BeExactly 'count,nested,tags,text'
        $parsed.text | Should -BeExactly 'hi'
        $parsed.count | Should -Be 3
        $parsed.tags -join ',' | Should -BeExactly 'a,b'
        $parsed.nested.ok | Should -BeTrue
        $parsed.nested.ratio | Should -Be 0.5
    }

    It 'sends a pscustomobject -Content as its JSON text, properties in order' {
        $content = [pscustomobject]@{ Host = 'web01'; FreeGb = 12; Alerts = @('disk', 'cpu'); Since = $null }
        $null = Send-ArtMessage -Session $alice -Channel data -Content $content -ErrorAction Stop

        $text = @(Get-TestEmulatorMessage -Emulator $emu)[0].content
        $text | Should -BeOfType ([string])
        $parsed = $text | ConvertFrom-Json
        $parsed.PSObject.Properties.Name -join ',' | Should -BeExactly 'Host,FreeGb,Alerts,Since'
        $parsed.Host | Should -BeExactly 'web01'
        $parsed.FreeGb | Should -Be 12
        $parsed.Alerts -join ',' | Should -BeExactly 'disk,cpu'
        $parsed.Since | Should -BeNullOrEmpty
    }

    It 'sends a string -Content that looks like JSON unchanged' {
        $null = Send-ArtMessage -Session $alice -Channel data -Content '{"already":"json"}' -ErrorAction Stop
        @(Get-TestEmulatorMessage -Emulator $emu)[0].content | Should -BeExactly '{"already":"json"}'
    }

    It 'binds Channel, Event, Content and To by property name from CSV rows' {
        $csv = Join-Path $TestDrive 'cmdlets-messages.csv'
        @(
            [pscustomobject]@{ Channel = 'ops'; Event = 'alert'; Content = 'disk full'; To = 'bob;carol' }
            [pscustomobject]@{ Channel = 'news'; Event = 'update'; Content = 'v2, out now'; To = 'dave' }
            [pscustomobject]@{ Channel = 'ops'; Event = 'ping'; Content = 'hello'; To = 'erin; frank' }
            [pscustomobject]@{ Channel = 'all'; Event = 'notice'; Content = 'to everyone'; To = '' }
        ) | Export-Csv -Path $csv -NoTypeInformation

        $results = @(Import-Csv $csv | Send-ArtMessage -Session $alice)

        $results | Should -HaveCount 4
        $m = @(Get-TestEmulatorMessage -Emulator $emu)
        $m | Should -HaveCount 4
        $expected = @(
            @{ channel = 'ops'; event = 'alert'; content = 'disk full'; to = 'bob,carol' }
            @{ channel = 'news'; event = 'update'; content = 'v2, out now'; to = 'dave' }
            @{ channel = 'ops'; event = 'ping'; content = 'hello'; to = 'erin,frank' }
            @{ channel = 'all'; event = 'notice'; content = 'to everyone'; to = '' }   # an empty cell: everyone
        )
        for ($i = 0; $i -lt 4; $i++) {
            $m[$i].channel | Should -BeExactly $expected[$i].channel
            $m[$i].event | Should -BeExactly $expected[$i].event
            $m[$i].content | Should -BeExactly $expected[$i].content
            ($m[$i].to -join ',') | Should -BeExactly $expected[$i].to
            $m[$i].user | Should -BeExactly 'alice'
            $results[$i].Channel | Should -BeExactly $expected[$i].channel
            ($results[$i].To -join ',') | Should -BeExactly $expected[$i].to
        }
    }

    It 'writes results in input order with -ThrottleLimit' {
        $results = @(1..6 | ForEach-Object { [pscustomobject]@{ Channel = 'bulk'; Content = "m$_" } } |
                Send-ArtMessage -Session $alice -ThrottleLimit 4)

        ($results.Content -join ',') | Should -BeExactly 'm1,m2,m3,m4,m5,m6'
        (@(Get-TestEmulatorMessage -Emulator $emu).content | Sort-Object) -join ',' | Should -BeExactly 'm1,m2,m3,m4,m5,m6'
    }

    It 'sends nothing with -WhatIf' {
        $out = @(Send-ArtMessage -Session $alice -Channel ops -Content 'not really' -WhatIf)

        $out | Should -HaveCount 0
        @(Get-TestEmulatorMessage -Emulator $emu) | Should -HaveCount 0
        (Get-Stats).push | Should -Be 0
    }
}

Describe '[OutputType] of every cmdlet' {
    It '<Name> declares <Type>' -TestCases @(
        @{ Name = 'New-ArtPasscode'; Type = 'ArtRest.Client.ArtSession' }
        @{ Name = 'Get-ArtToken'; Type = 'ArtRest.Client.ArtSession' }
        @{ Name = 'New-ArtConnection'; Type = 'ArtRest.Client.ArtSession' }
        @{ Name = 'Get-ArtSession'; Type = 'ArtRest.Client.ArtSession' }
        @{ Name = 'Send-ArtMessage'; Type = 'ArtRest.Client.ArtMessageResult' }
        @{ Name = 'Clear-ArtSession'; Type = 'System.Void' }
    ) {
        param($Name, $Type)
        $declared = @((Get-Command $Name).OutputType)
        $declared | Should -HaveCount 1
        $declared[0].Name | Should -BeExactly $Type
    }
}

Describe '-Verbose' {
    BeforeAll {
        function script:Get-RequestLine([object[]]$Records, [string]$Path) {
            @($Records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } |
                    Where-Object { $_.Message -match "^POST $([regex]::Escape($Path)): HTTP 200 in [0-9.]+ ms$" })
        }
    }

    It 'writes one line per request for each step' {
        Clear-TestEmulator -Emulator $emu
        $records = @(New-ArtPasscode @tenant -Credential $emu.Credential -UserName alice -Verbose 4>&1)
        $passcode = @($records | Where-Object { $_ -is [ArtRest.Client.ArtSession] })[0]
        @(Get-RequestLine $records '/v1/connect/passcode') | Should -HaveCount 1

        $records = @($passcode | Get-ArtToken -Verbose 4>&1)
        $token = @($records | Where-Object { $_ -is [ArtRest.Client.ArtSession] })[0]
        @(Get-RequestLine $records '/auth/token') | Should -HaveCount 1

        $records = @($token | New-ArtConnection -Verbose 4>&1)
        $connected = @($records | Where-Object { $_ -is [ArtRest.Client.ArtSession] })[0]
        @(Get-RequestLine $records '/v1/connect/new-connection') | Should -HaveCount 1

        $records = @('a', 'b', 'c' | ForEach-Object { [pscustomobject]@{ Channel = 'ops'; Content = $_ } } |
                Send-ArtMessage -Session $connected -Verbose 4>&1)
        @($records | Where-Object { $_ -is [ArtRest.Client.ArtMessageResult] }) | Should -HaveCount 3
        @(Get-RequestLine $records '/v1/push-message') | Should -HaveCount 3
        (Get-Stats).push | Should -Be 3
    }

    It 'writes no request lines without -Verbose' {
        $s = New-TestSession -Emulator $emu
        $records = @(Send-ArtMessage -Session $s -Channel ops -Content quiet 4>&1)
        @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) | Should -HaveCount 0
    }
}

Describe 'Views show no secret' {
    BeforeAll {
        $script:viewSession = New-TestSession -Emulator $emu -UserName alice
        $script:viewResult = Send-ArtMessage -Session $viewSession -Channel ops -Content 'view me' -ErrorAction Stop
        $script:secrets = [ordered]@{
            'client secret' = Get-PlainText $viewSession.ClientSecret
            'passcode'      = Get-PlainText $viewSession.Passcode
            'access token'  = Get-PlainText $viewSession.AccessToken
            'refresh token' = Get-PlainText $viewSession.RefreshToken
        }

        function script:Get-View([string]$View) {
            $s = $viewSession
            $r = $viewResult
            switch ($View) {
                'session default' { $s | Out-String -Width 500 }
                'session table' { $s | Format-Table | Out-String -Width 500 }
                'session list' { $s | Format-List | Out-String -Width 500 }
                'session list * -Force' { $s | Format-List * -Force | Out-String -Width 500 }
                'session ToString()' { $s.ToString() }
                'session ConvertTo-Json' { $s | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue }
                'result default' { $r | Out-String -Width 500 }
                'result list' { $r | Format-List | Out-String -Width 500 }
                'result list * -Force' { $r | Format-List * -Force | Out-String -Width 500 }
                'result ToString()' { $r.ToString() }
                'result ConvertTo-Json' { $r | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue }
                default { throw "No view '$View'." }
            }
        }
    }

    It 'the secrets to look for are real' {
        $secrets['client secret'] | Should -BeExactly 'demo-client-secret'
        $secrets['passcode'].Length | Should -BeGreaterThan 3
        $secrets['access token'] | Should -Match '^eyJ[^.]+\.[^.]+\.[^.]+$'
        $secrets['refresh token'].Length | Should -BeGreaterThan 8
    }

    It '<View> shows <Shows> but no client secret, passcode, access token or refresh token' -TestCases @(
        @{ View = 'session default'; Shows = 'Connected' }
        @{ View = 'session table'; Shows = 'Connected' }
        @{ View = 'session list'; Shows = 'conn_' }
        @{ View = 'session list * -Force'; Shows = 'conn_' }
        @{ View = 'session ToString()'; Shows = 'alice' }
        @{ View = 'session ConvertTo-Json'; Shows = 'demo-project' }
        @{ View = 'result default'; Shows = 'Message processed successfully' }
        @{ View = 'result list'; Shows = 'view me' }
        @{ View = 'result list * -Force'; Shows = 'view me' }
        @{ View = 'result ToString()'; Shows = 'ops' }
        @{ View = 'result ConvertTo-Json'; Shows = 'view me' }
    ) {
        param($View, $Shows)
        $text = (Get-View $View) -join "`n"
        $text | Should -BeLike "*$Shows*"
        foreach ($name in $secrets.Keys) {
            $text.Contains($secrets[$name]) | Should -BeFalse -Because "the $View view must not show the $name"
        }
    }
}
