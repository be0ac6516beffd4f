# Session behaviour: token expiry and renewal, single-flight refresh, the per-runspace default
# session, and sessions crossing runspace and process boundaries. Runs against two emulators:
# $emu (default one-hour tokens) and $short (two-second tokens).

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    $script:short = Start-TestEmulator -ArgumentList '--token-lifetime', '2'
    $null = Import-ArtRestUnderTest
    # What runspaces, thread jobs and background jobs import: the built module, by absolute path.
    $script:manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../out/ArtRest/ArtRest.psd1')).Path
    # Concurrent Import-Module of the same manifest from several runspaces is not reliable in
    # PowerShell itself; parallel script blocks take this lock around their import.
    $script:importLock = [object]::new()
    $script:importInRunspace = {
        param($manifest, $lock)
        if (-not (Get-Module ArtRest)) {
            [System.Threading.Monitor]::Enter($lock)
            try { Import-Module $manifest -ErrorAction Stop } finally { [System.Threading.Monitor]::Exit($lock) }
        }
    }.ToString()

    function Get-PlainText([securestring]$Secure) { $Secure | ConvertFrom-SecureString -AsPlainText }

    function Get-JwtPayload([string]$Jwt) {
        $part = $Jwt.Split('.')[1].Replace('-', '+').Replace('_', '/')
        $part += '=' * ((4 - $part.Length % 4) % 4)
        [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($part)) | ConvertFrom-Json
    }

    # Sleeps until the session's access token has expired (plus a little).
    function Wait-TokenExpiry($Session) {
        $left = ($Session.TokenExpiresAt - [DateTime]::UtcNow).TotalMilliseconds + 300
        if ($left -gt 0) { Start-Sleep -Milliseconds ([int]$left) }
        [DateTime]::UtcNow | Should -BeGreaterThan $Session.TokenExpiresAt
    }

    # Runs the script and returns the ErrorRecord it throws (run its cmdlets with -ErrorAction Stop).
    function Get-ThrownError([scriptblock]$Script) {
        try { $null = & $Script } catch { return $_ }
        throw 'Expected an error, but none was thrown.'
    }

    function Get-Stats($Emulator) { Get-TestEmulatorStats -Emulator $Emulator }
}

AfterAll {
    $emu | Stop-TestEmulator
    $short | Stop-TestEmulator
}

Describe 'Token expiry and renewal' {
    It 'reads TokenExpiresAt from the JWT''s exp claim' {
        $s = New-TestSession -Emulator $short -Stage Token
        $payload = Get-JwtPayload (Get-PlainText $s.AccessToken)
        $s.TokenExpiresAt | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds([long]$payload.exp).UtcDateTime)
        $s.TokenExpiresAt.Kind | Should -Be ([DateTimeKind]::Utc)
        ([long]$payload.exp - [long]$payload.iat) | Should -Be 2
    }

    It 'keeps one session sending for 10 s across 2-second tokens, refreshing ahead of expiry without signing in again' {
        Clear-TestEmulator -Emulator $short
        $s = New-TestSession -Emulator $short
        $errors = @()
        $results = foreach ($i in 1..50) {
            Send-ArtMessage -Session $s -Channel lifetime -Content "life-$i" -ErrorAction SilentlyContinue -ErrorVariable +errors
            Start-Sleep -Milliseconds 200
        }
        $errors | Should -HaveCount 0
        @($results) | Should -HaveCount 50
        $stats = Get-Stats $short
        $stats.pushAccepted | Should -Be 50
        $stats.token | Should -Be 1          # only the first sign-in
        $stats.refresh | Should -BeGreaterThan 0
        # Ahead of expiry by a quarter of the 2 s lifetime, not by 60 s (which would refresh before every push).
        $stats.refresh | Should -BeLessThan 25
        # Pushes only ever went out with a valid token: no 401 and retry.
        $stats.push | Should -Be 50
    }

    It 'Get-ArtToken -Refresh renews the token now, in place' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $before = Get-PlainText $s.AccessToken
        $out = Get-ArtToken -Session $s -Refresh -ErrorAction Stop
        [object]::ReferenceEquals($out, $s) | Should -BeTrue
        (Get-Stats $emu).refresh | Should -Be 1
        (Get-Stats $emu).token | Should -Be 0
        Get-PlainText $s.AccessToken | Should -Not -Be $before
        Send-ArtMessage -Session $s -Channel c -Content 'after refresh' -ErrorAction Stop | Should -Not -BeNullOrEmpty
    }

    It 'renews an expired token once for 16 concurrent senders (single-flight)' {
        $s = New-TestSession -Emulator $short
        try {
            # The session's token is short; the renewed one lasts, so only the expired one needs renewing.
            $null = Set-TestEmulatorSetting -Emulator $short -TokenLifetimeSeconds 60
            Wait-TokenExpiry $s
            Clear-TestEmulator -Emulator $short
            $barrier = [System.Threading.Barrier]::new(16)
            $errors = @()
            $results = 1..16 | ForEach-Object -ThrottleLimit 16 -Parallel {
                & ([scriptblock]::Create($using:importInRunspace)) $using:manifest $using:importLock
                $b = $using:barrier
                $null = $b.SignalAndWait(20000)
                Send-ArtMessage -Session $using:s -Channel single-flight -Content "sf-$_"
            } -ErrorVariable +errors
        }
        finally {
            $null = Set-TestEmulatorSetting -Emulator $short -TokenLifetimeSeconds 2
        }
        $errors | Should -HaveCount 0
        @($results) | Should -HaveCount 16
        $stats = Get-Stats $short
        $stats.refresh | Should -Be 1
        $stats.token | Should -Be 0
        $stats.pushAccepted | Should -Be 16
        $stats.push | Should -Be 16
    }

    It 'answers a 401 on a push with exactly one renewal and one retry' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 401 -Count 1 -Body '{"error":"Token expired"}'
        $result = Send-ArtMessage -Session $s -Channel c -Content 'after 401' -ErrorAction Stop
        $result.Content | Should -BeExactly 'after 401'
        $messages = @(Get-TestEmulatorMessage -Emulator $emu)
        $messages | Should -HaveCount 1
        $messages[0].content | Should -BeExactly 'after 401'
        $stats = Get-Stats $emu
        $stats.refresh | Should -Be 1
        $stats.token | Should -Be 0
        $stats.push | Should -Be 2
    }

    It 'retries a push refused with 401 only once' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 401 -Count 2 -Body '{"error":"Token expired"}'
        $err = Get-ThrownError { Send-ArtMessage -Session $s -Channel c -Content 'twice refused' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'ArtInvalidToken,*'
        $stats = Get-Stats $emu
        $stats.push | Should -Be 2
        $stats.refresh | Should -Be 1
        $stats.pushAccepted | Should -Be 0
    }

    It 'signs in again with the held client secret when the refresh token is refused' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/auth/token/refresh' -Status 401 -Count 1 -Body '{"error":"Invalid refresh token"}'
        $before = Get-PlainText $s.AccessToken
        $null = Get-ArtToken -Session $s -Refresh -ErrorAction Stop
        $stats = Get-Stats $emu
        $stats.refresh | Should -Be 1
        $stats.token | Should -Be 1
        Get-PlainText $s.AccessToken | Should -Not -Be $before
        Send-ArtMessage -Session $s -Channel c -Content 'after sign-in' -ErrorAction Stop | Should -Not -BeNullOrEmpty
    }

    It 'signs in again when the refresh token was revoked by rotation through a copy of the session' {
        $s = New-TestSession -Emulator $emu
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($s))
        [object]::ReferenceEquals($copy, $s) | Should -BeFalse
        $null = Get-ArtToken -Session $copy -Refresh -ErrorAction Stop   # rotates: $s's refresh token is now revoked
        Clear-TestEmulator -Emulator $emu
        $null = Get-ArtToken -Session $s -Refresh -ErrorAction Stop
        $stats = Get-Stats $emu
        $stats.refresh | Should -Be 1
        $stats.token | Should -Be 1
        Send-ArtMessage -Session $s -Channel c -Content 'after revocation' -ErrorAction Stop | Should -Not -BeNullOrEmpty
    }

    It 'reports ArtSessionExpired, naming the steps to run, when the refresh is refused and the session holds no secret or passcode' {
        $full = New-TestSession -Emulator $short
        # Stripped of its client secret and passcode, as a session saved without them would be.
        $stripped = $full | Select-Object -Property * -ExcludeProperty ClientSecret, Passcode
        $s = [ArtRest.Client.ArtSession]$stripped
        [object]::ReferenceEquals($s, $full) | Should -BeFalse
        $s.CanSignIn | Should -BeFalse
        $s.ConnectionId | Should -Be $full.ConnectionId
        Wait-TokenExpiry $s
        Clear-TestEmulator -Emulator $short
        $null = Add-TestEmulatorFault -Emulator $short -Path '/auth/token/refresh' -Status 401 -Count 1 -Body '{"error":"Invalid refresh token"}'
        $err = Get-ThrownError { Send-ArtMessage -Session $s -Channel c -Content 'expired' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'ArtSessionExpired,*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Get-ArtToken'
        $err.ErrorDetails.RecommendedAction | Should -Match 'New-ArtConnection'
        $stats = Get-Stats $short
        $stats.token | Should -Be 0
        $stats.pushAccepted | Should -Be 0
    }

    It 'keeps the tokens and reports the error when the refresh fails with a 500' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/auth/token/refresh' -Status 500 -Count 1 -Body '{"error":"Failed to get WebSocket backend"}'
        $access = Get-PlainText $s.AccessToken
        $refresh = Get-PlainText $s.RefreshToken
        $errors = @()
        $null = Get-ArtToken -Session $s -Refresh -MaximumRetryCount 0 -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ArtServerError,*'
        "$($errors[0])" | Should -Match 'Failed to get WebSocket backend'
        Get-PlainText $s.AccessToken | Should -BeExactly $access
        Get-PlainText $s.RefreshToken | Should -BeExactly $refresh
        (Get-Stats $emu).token | Should -Be 0
        # The held tokens still work: the session sends, and the kept refresh token refreshes.
        Send-ArtMessage -Session $s -Channel c -Content 'after 500' -ErrorAction Stop | Should -Not -BeNullOrEmpty
        $null = Get-ArtToken -Session $s -Refresh -ErrorAction Stop
        (Get-Stats $emu).token | Should -Be 0
        (Get-Stats $emu).refresh | Should -Be 2
    }
}

Describe 'The default session' {
    BeforeAll { Clear-ArtSession }
    AfterAll { Clear-ArtSession }

    It 'is the most recent New-ArtConnection: Send-ArtMessage uses it, -Session wins over it, Get-ArtSession shows it' {
        $alice = New-TestSession -Emulator $emu -UserName alice
        $bob = New-TestSession -Emulator $emu -UserName bob
        (Get-ArtSession).ConnectionId | Should -Be $bob.ConnectionId
        Clear-TestEmulator -Emulator $emu
        $null = Send-ArtMessage -Channel d -Content 'by default' -ErrorAction Stop
        $null = Send-ArtMessage -Session $alice -Channel d -Content 'by parameter' -ErrorAction Stop
        $messages = @(Get-TestEmulatorMessage -Emulator $emu)
        $messages | Should -HaveCount 2
        $messages[0].user | Should -BeExactly 'bob'
        $messages[0].connectionId | Should -Be $bob.ConnectionId
        $messages[1].user | Should -BeExactly 'alice'
        $messages[1].connectionId | Should -Be $alice.ConnectionId
    }

    It 'is forgotten by Clear-ArtSession, after which Send-ArtMessage without -Session fails' {
        $null = New-TestSession -Emulator $emu
        Get-ArtSession | Should -Not -BeNullOrEmpty
        Clear-ArtSession
        Get-ArtSession | Should -BeNullOrEmpty
        $err = Get-ThrownError { Send-ArtMessage -Channel d -Content 'nobody' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'ArtNoDefaultSession,*'
    }

    It 'belongs to one runspace: parallel runspaces each set and use only their own' {
        $outer = New-TestSession -Emulator $emu -UserName outer
        Clear-TestEmulator -Emulator $emu
        $barrier = [System.Threading.Barrier]::new(4)
        $e = $emu
        $errors = @()
        $results = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
            & ([scriptblock]::Create($using:importInRunspace)) $using:manifest $using:importLock
            $emu = $using:e
            $null = New-ArtPasscode -BaseUri $emu.BaseUri -Organization $emu.Organization -Environment $emu.Environment `
                    -ProjectKey $emu.ProjectKey -Credential $emu.Credential -UserName "user-$_" -ErrorAction Stop |
                Get-ArtToken -ErrorAction Stop | New-ArtConnection -ErrorAction Stop
            # Every runspace has set its default before any sends.
            $b = $using:barrier
            $null = $b.SignalAndWait(20000)
            Send-ArtMessage -Channel iso -Content "from-$_" -ErrorAction Stop
        } -ErrorVariable +errors
        $errors | Should -HaveCount 0
        @($results) | Should -HaveCount 4
        $messages = @(Get-TestEmulatorMessage -Emulator $emu)
        $messages | Should -HaveCount 4
        foreach ($m in $messages) {
            $m.user | Should -BeExactly ($m.content -replace '^from-', 'user-')
        }
        (Get-ArtSession).ConnectionId | Should -Be $outer.ConnectionId
    }
}

Describe 'Sessions shared across runspaces and processes' {
    It 'sends 1,000 messages from ForEach-Object -Parallel -ThrottleLimit 8 through one session' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $errors = @()
        $results = 1..1000 | ForEach-Object -ThrottleLimit 8 -Parallel {
            & ([scriptblock]::Create($using:importInRunspace)) $using:manifest $using:importLock
            Send-ArtMessage -Session $using:s -Channel parallel -Content "p-$_"
        } -ErrorVariable +errors
        $errors | Should -HaveCount 0
        @($results) | Should -HaveCount 1000
        $contents = @((Get-TestEmulatorMessage -Emulator $emu).content)
        $contents | Should -HaveCount 1000
        @($contents | Sort-Object -Unique) | Should -HaveCount 1000
        $expected = 1..1000 | ForEach-Object { "p-$_" }
        Compare-Object $expected $contents | Should -BeNullOrEmpty
    }

    It 'works in Start-ThreadJob through $using:' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $manifest = $script:manifest
        $result = Start-ThreadJob {
            Import-Module $using:manifest -ErrorAction Stop
            Send-ArtMessage -Session $using:s -Channel thread-job -Content 'from a thread job' -ErrorAction Stop
        } | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        $result.Content | Should -BeExactly 'from a thread job'
        $messages = @(Get-TestEmulatorMessage -Emulator $emu)
        $messages | Should -HaveCount 1
        $messages[0].connectionId | Should -Be $s.ConnectionId
    }

    It 'binds in Start-Job from -ArgumentList and sends' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $result = Start-Job -ArgumentList $script:manifest, $s -ScriptBlock {
            param($manifest, $session)
            Import-Module $manifest -ErrorAction Stop
            $arrived = $session.PSObject.TypeNames[0]
            $sent = Send-ArtMessage -Session $session -Channel job -Content 'from a job' -ErrorAction Stop
            [pscustomobject]@{ Arrived = $arrived; Content = $sent.Content; ConnectionId = $sent.ConnectionId }
        } | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        $result.Arrived | Should -Be 'Deserialized.ArtRest.Client.ArtSession'
        $result.Content | Should -BeExactly 'from a job'
        $result.ConnectionId | Should -Be $s.ConnectionId
        $messages = @(Get-TestEmulatorMessage -Emulator $emu)
        $messages | Should -HaveCount 1
        $messages[0].user | Should -BeExactly 'alice'
    }

    It 'refreshes, in Start-Job, a session whose token expired in between' {
        $s = New-TestSession -Emulator $short
        try {
            $null = Set-TestEmulatorSetting -Emulator $short -TokenLifetimeSeconds 60
            Wait-TokenExpiry $s
            Clear-TestEmulator -Emulator $short
            $result = Start-Job -ArgumentList $script:manifest, $s -ScriptBlock {
                param($manifest, $session)
                Import-Module $manifest -ErrorAction Stop
                Send-ArtMessage -Session $session -Channel job -Content 'expired in between' -ErrorAction Stop
            } | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        }
        finally {
            $null = Set-TestEmulatorSetting -Emulator $short -TokenLifetimeSeconds 2
        }
        $result.Content | Should -BeExactly 'expired in between'
        $stats = Get-Stats $short
        $stats.refresh | Should -Be 1
        $stats.token | Should -Be 0
        $stats.pushAccepted | Should -Be 1
    }

    It 'survives Export-Clixml / Import-Clixml as a live ArtSession that sends' {
        $s = New-TestSession -Emulator $emu
        $path = Join-Path $TestDrive 'session.xml'
        $s | Export-Clixml -Path $path
        $imported = Import-Clixml -Path $path
        $imported | Should -BeOfType ([ArtRest.Client.ArtSession])
        $imported.Stage | Should -Be 'Connected'
        $imported.ConnectionId | Should -Be $s.ConnectionId
        $imported.TokenExpiresAt | Should -Be $s.TokenExpiresAt
        $imported.CanSignIn | Should -BeTrue
        Clear-TestEmulator -Emulator $emu
        (Send-ArtMessage -Session $imported -Channel c -Content 'from clixml' -ErrorAction Stop).Content | Should -BeExactly 'from clixml'
        $null = Get-ArtToken -Session $imported -Refresh -ErrorAction Stop
        (Get-Stats $emu).refresh | Should -Be 1
        @(Get-TestEmulatorMessage -Emulator $emu).user | Should -BeExactly 'alice'
    }

    It 'binds a deserialized session to -Session, deserialized before or after the module is imported' {
        $s = New-TestSession -Emulator $emu
        $xml = [System.Management.Automation.PSSerializer]::Serialize($s)

        # After import, in this runspace: it comes back as a live session.
        $after = [System.Management.Automation.PSSerializer]::Deserialize($xml)
        $after | Should -BeOfType ([ArtRest.Client.ArtSession])

        # Before import, in a runspace without the module: a plain deserialized PSObject.
        $ps = [powershell]::Create()
        try {
            $before = $ps.AddScript('param($x) [System.Management.Automation.PSSerializer]::Deserialize($x)').AddArgument($xml).Invoke()[0]
        }
        finally { $ps.Dispose() }
        $before.PSObject.TypeNames[0] | Should -Be 'Deserialized.ArtRest.Client.ArtSession'
        $before.PSObject.BaseObject -is [ArtRest.Client.ArtSession] | Should -BeFalse

        # ... and in a runspace that imports the module after deserializing.
        $ps = [powershell]::Create()
        try {
            $script = 'param($x, $m) $d = [System.Management.Automation.PSSerializer]::Deserialize($x); $t = $d.PSObject.TypeNames[0]; ' +
                'Import-Module $m -ErrorAction Stop; $r = Send-ArtMessage -Session $d -Channel c -Content "imported later" -ErrorAction Stop; ' +
                '[pscustomobject]@{ Type = $t; Content = $r.Content }'
            $late = $ps.AddScript($script).AddArgument($xml).AddArgument($script:manifest).Invoke()[0]
            $ps.Streams.Error | Should -HaveCount 0
        }
        finally { $ps.Dispose() }
        $late.Type | Should -Be 'Deserialized.ArtRest.Client.ArtSession'
        $late.Content | Should -BeExactly 'imported later'

        Clear-TestEmulator -Emulator $emu
        (Send-ArtMessage -Session $after -Channel c -Content 'after' -ErrorAction Stop).Content | Should -BeExactly 'after'
        (Send-ArtMessage -Session $before -Channel c -Content 'before' -ErrorAction Stop).Content | Should -BeExactly 'before'
        $messages = @(Get-TestEmulatorMessage -Emulator $emu)
        $messages | Should -HaveCount 2
        $messages | ForEach-Object { $_.connectionId | Should -Be $s.ConnectionId }
    }
}
