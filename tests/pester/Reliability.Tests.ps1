# Reliability: retries, Retry-After, what is never retried, push outcome-unknown, timeouts,
# cancellation, and a 2,000-message run through randomly (but reproducibly) failing responses.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    Import-ArtRestUnderTest

    # Add-TestEmulatorFault has no -Seed: post the rule as the emulator's admin API takes it.
    function script:Add-Fault([hashtable]$Rule) {
        $null = Invoke-RestMethod -Method POST -Uri "$($emu.AdminUri)/faults" -ContentType 'application/json' `
            -Body ($Rule | ConvertTo-Json -Compress)
    }

    function script:Get-Stats { Get-TestEmulatorStats -Emulator $emu }

    function script:Get-Received { @(Get-TestEmulatorMessage -Emulator $emu) }

    $script:sendId = 'ArtRest.Commands.SendArtMessageCommand'
    $script:tokenId = 'ArtRest.Commands.GetArtTokenCommand'
}

AfterAll {
    $emu | Stop-TestEmulator
}

Describe '2,000 messages through injected 429/503/resets/latency' {
    BeforeAll {
        $script:session = New-TestSession -Emulator $emu -UserName loadtester
        Clear-TestEmulator -Emulator $emu
        $push = '/v1/push-message'
        # Insertion order matters: the first rule that hits applies. Fixed seeds, unlimited counts.
        Add-Fault @{ path = $push; kind = 'status'; status = 429; retryAfter = '0'; probability = 0.04; seed = 11; count = -1 }
        Add-Fault @{ path = $push; kind = 'status'; status = 503; retryAfter = '1'; probability = 0.004; seed = 12; count = -1 }
        Add-Fault @{ path = $push; kind = 'status'; status = 503; retryAfter = '0'; probability = 0.02; seed = 13; count = -1 }
        Add-Fault @{ path = $push; kind = 'reset-before'; probability = 0.01; seed = 14; count = -1 }
        Add-Fault @{ path = $push; kind = 'reset-after'; probability = 0.01; seed = 15; count = -1 }
        Add-Fault @{ path = $push; kind = 'delay'; latencyMs = 40; probability = 0.05; seed = 16; count = -1 }

        $script:inputs = foreach ($i in 1..2000) {
            [pscustomobject]@{ Channel = 'load'; Event = 'tick'; Content = 'load-{0:D4}' -f $i }
        }
        $errs = $null
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $script:results = @($inputs | Send-ArtMessage -Session $session -ThrottleLimit 8 -RetryIntervalSec 0 `
                -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()
        $script:errors = @($errs)
        $script:elapsed = $watch.Elapsed
        $script:received = Get-Received
        $script:stats = Get-Stats
        Clear-TestEmulator -Emulator $emu

        $script:unknown = @($errors | Where-Object FullyQualifiedErrorId -EQ "ArtPushOutcomeUnknown,$sendId")
        $summary = $errors | Group-Object FullyQualifiedErrorId | ForEach-Object { "    $($_.Count) x $($_.Name)" }
        Write-Host ("2,000-message run: {0} results, {1} errors, {2} received by the emulator, {3} push requests, {4:N1} s" -f `
                $results.Count, $errors.Count, $received.Count, $stats.push, $elapsed.TotalSeconds)
        if ($summary) { Write-Host ($summary -join [Environment]::NewLine) }
    }

    It 'accounts for every message exactly once: results + errors = 2,000' {
        ($results.Count + $errors.Count) | Should -Be 2000
        @($results | Where-Object { $_ -isnot [ArtRest.Client.ArtMessageResult] }) | Should -BeNullOrEmpty
        @($errors | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty
        # Each input is in exactly one of the two lists.
        $accounted = @($results.Content) + @($errors | ForEach-Object { $_.TargetObject.Content })
        @($accounted | Sort-Object -Unique).Count | Should -Be 2000
        Compare-Object ($accounted | Sort-Object) ($inputs.Content | Sort-Object) | Should -BeNullOrEmpty
    }

    It 'gives every error a listed ErrorId, and the message as its target' {
        $allowed = 'ArtPushOutcomeUnknown', 'ArtRateLimited', 'ArtServiceUnavailable', 'ArtConnectionFailed' |
            ForEach-Object { "$_,$sendId" }
        foreach ($e in $errors) {
            $e.FullyQualifiedErrorId | Should -BeIn $allowed
            $e.TargetObject | Should -BeOfType ([ArtRest.Client.ArtMessage])
        }
    }

    It 'exercised the faults: retries happened and some pushes ended outcome-unknown' {
        # More push requests than messages: retries of 429/503 took place.
        $stats.push | Should -BeGreaterThan 2000
        # Resets before/after sending give outcome-unknown errors (about 40 expected with these seeds).
        $unknown.Count | Should -BeGreaterThan 0
        # Rate limits and 503s were mostly absorbed by retries.
        $results.Count | Should -BeGreaterThan 1900
    }

    It 'writes results in input order' {
        $order = @($results.Content)
        $sorted = @($order | Sort-Object)
        ($order -join ',') | Should -BeExactly ($sorted -join ',')
    }

    It 'every result''s content was received by the emulator' {
        $set = [System.Collections.Generic.HashSet[string]]::new([string[]]@($received.content))
        $missing = @($results | Where-Object { -not $set.Contains($_.Content) })
        $missing | Should -BeNullOrEmpty
    }

    It 'never delivered a message twice (no silent duplicate)' {
        $dupes = @($received | Group-Object content | Where-Object Count -GT 1 | ForEach-Object Name)
        $dupes | Should -BeNullOrEmpty
        $received.Count | Should -Be $stats.pushAccepted
    }

    It 'received only results and outcome-unknown messages: received - results is a subset of the unknown' {
        $resultSet = [System.Collections.Generic.HashSet[string]]::new([string[]]@($results.Content))
        $unknownSet = [System.Collections.Generic.HashSet[string]]::new([string[]]@($unknown | ForEach-Object { $_.TargetObject.Content }))
        $extra = @($received | Where-Object { -not $resultSet.Contains($_.content) })
        $unexplained = @($extra | Where-Object { -not $unknownSet.Contains($_.content) } | ForEach-Object content)
        $unexplained | Should -BeNullOrEmpty
        # reset-after processes the push and drops the answer: such messages did arrive.
        $extra.Count | Should -BeGreaterThan 0
    }

    It 'stays quick with small Retry-After values' {
        $elapsed.TotalSeconds | Should -BeLessThan 60
    }
}

Describe 'Retries, as seen in -Verbose and /stats' {
    BeforeAll {
        $script:session = New-TestSession -Emulator $emu
    }
    BeforeEach {
        Clear-TestEmulator -Emulator $emu
    }

    It 'retries a 503 with Retry-After 1 once, says so in -Verbose, and delivers once' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 503 -RetryAfter '1' -Count 1
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @(Send-ArtMessage -Session $session -Channel ops -Content 'retry-me' -Verbose 4>&1)
        $watch.Stop()
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $results = @($out | Where-Object { $_ -is [ArtRest.Client.ArtMessageResult] })

        $results | Should -HaveCount 1
        $retryLine = @($verbose -match 'Retrying')
        $retryLine | Should -HaveCount 1
        $retryLine[0] | Should -Match '503'
        $retryLine[0] | Should -Match 'attempt 2 of 4'
        $retryLine[0] | Should -Match 'waiting 1 s'
        # Retry-After was honoured.
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9

        (Get-Stats).push | Should -Be 2
        $received = Get-Received
        @($received | Where-Object content -EQ 'retry-me') | Should -HaveCount 1
    }

    It 'does not retry with -MaximumRetryCount 0' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 503 -RetryAfter '1' -Count 1
        $out = @(Send-ArtMessage -Session $session -Channel ops -Content 'no-retry' -MaximumRetryCount 0 `
                -ErrorAction SilentlyContinue -ErrorVariable errs)
        $out | Should -HaveCount 0
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtServiceUnavailable,$sendId"
        $errs[0].Exception.StatusCode | Should -Be 503
        (Get-Stats).push | Should -Be 1
        Get-Received | Should -HaveCount 0
    }

    It 'retries at most -MaximumRetryCount times' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 429 -RetryAfter '0' -Count -1
        Send-ArtMessage -Session $session -Channel ops -Content 'limited' -MaximumRetryCount 2 -RetryIntervalSec 0 `
            -ErrorAction SilentlyContinue -ErrorVariable errs
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtRateLimited,$sendId"
        $errs[0].Exception.StatusCode | Should -Be 429
        (Get-Stats).push | Should -Be 3
    }

    It 'does not wait for a Retry-After beyond the 60 s retry budget' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 503 -RetryAfter '120' -Count 1
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @(Send-ArtMessage -Session $session -Channel ops -Content 'too-long' -Verbose -ErrorAction SilentlyContinue -ErrorVariable errs 4>&1)
        $watch.Stop()
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtServiceUnavailable,$sendId"
        $errs[0].Exception.RetryAfter | Should -Be ([TimeSpan]::FromSeconds(120))
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'budget' }) | Should -HaveCount 1
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        (Get-Stats).push | Should -Be 1
    }

    It 'backs off with jitter between half and all of -RetryIntervalSec without Retry-After' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 502 -Count 1
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @(Send-ArtMessage -Session $session -Channel ops -Content 'backoff' -RetryIntervalSec 1 -Verbose 4>&1)
        $watch.Stop()
        @($out | Where-Object { $_ -is [ArtRest.Client.ArtMessageResult] }) | Should -HaveCount 1
        $line = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'Retrying' })[0].Message
        $line | Should -Match 'HTTP 502'
        $wait = [double]::Parse(([regex]::Match($line, 'waiting ([0-9.]+) s')).Groups[1].Value, [cultureinfo]::InvariantCulture)
        $wait | Should -BeGreaterOrEqual 0.5
        $wait | Should -BeLessOrEqual 1.0
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.45
        (Get-Stats).push | Should -Be 2
        @(Get-Received | Where-Object content -EQ 'backoff') | Should -HaveCount 1
    }

    It 'retries a 502 on Get-ArtToken with backoff and succeeds' {
        $passcode = New-TestSession -Emulator $emu -Stage Passcode
        Clear-TestEmulator -Emulator $emu
        Add-TestEmulatorFault -Emulator $emu -Path '/auth/token' -Status 502 -Count 2
        $out = @($passcode | Get-ArtToken -RetryIntervalSec 0)
        $out | Should -HaveCount 1
        $out[0].Stage | Should -Be 'Token'
        (Get-Stats).token | Should -Be 3
    }
}

Describe 'Answers that are never retried' {
    BeforeAll {
        $script:session = New-TestSession -Emulator $emu
        $script:passcode = New-TestSession -Emulator $emu -Stage Passcode
    }
    BeforeEach {
        Clear-TestEmulator -Emulator $emu
    }

    It 'a <Status> on push is reported as <ErrorId> after one request' -ForEach @(
        @{ Status = 400; ErrorId = 'ArtBadRequest' }
        @{ Status = 403; ErrorId = 'ArtForbidden' }
        @{ Status = 404; ErrorId = 'ArtNotFound' }
    ) {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status $Status -Count -1
        Send-ArtMessage -Session $session -Channel ops -Content "status-$Status" -RetryIntervalSec 0 `
            -ErrorAction SilentlyContinue -ErrorVariable errs
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "$ErrorId,$sendId"
        $errs[0].Exception.StatusCode | Should -Be $Status
        $stats = Get-Stats
        $stats.push | Should -Be 1
        $stats.refresh | Should -Be 0
        $stats.token | Should -Be 0
    }

    It 'a <Status> on Get-ArtToken is reported as <ErrorId> after one request' -ForEach @(
        @{ Status = 400; ErrorId = 'ArtBadRequest' }
        @{ Status = 401; ErrorId = 'ArtInvalidCredentials' }
        @{ Status = 403; ErrorId = 'ArtForbidden' }
        @{ Status = 404; ErrorId = 'ArtNotFound' }
    ) {
        Add-TestEmulatorFault -Emulator $emu -Path '/auth/token' -Status $Status -Count -1
        $out = @($passcode | Get-ArtToken -RetryIntervalSec 0 -ErrorAction SilentlyContinue -ErrorVariable errs)
        $out | Should -HaveCount 0
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "$ErrorId,$tokenId"
        $errs[0].Exception.StatusCode | Should -Be $Status
        (Get-Stats).token | Should -Be 1
    }

    It 'a wrong client secret is refused after one request' {
        $wrong = [pscredential]::new($emu.ClientId, (ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force))
        $out = @(Get-ArtToken -BaseUri $emu.BaseUri -Organization $emu.Organization -Environment $emu.Environment `
                -ProjectKey $emu.ProjectKey -Credential $wrong -UserName alice -RetryIntervalSec 0 `
                -ErrorAction SilentlyContinue -ErrorVariable errs)
        $out | Should -HaveCount 0
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtInvalidCredentials,$tokenId"
        $errs[0].Exception.StatusCode | Should -Be 401
        (Get-Stats).token | Should -Be 1
    }

    It 'a 401 on push renews the token once and tries once more, no further' {
        $s = New-TestSession -Emulator $emu -UserName renewer
        Clear-TestEmulator -Emulator $emu
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 401 -Count -1
        Send-ArtMessage -Session $s -Channel ops -Content 'unauthorized' -RetryIntervalSec 0 `
            -ErrorAction SilentlyContinue -ErrorVariable errs
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtInvalidToken,$sendId"
        $errs[0].Exception.StatusCode | Should -Be 401
        $stats = Get-Stats
        $stats.push | Should -Be 2
        ($stats.refresh + $stats.token) | Should -Be 1
    }

    It 'a single 401 on push is healed by the renewal' {
        $s = New-TestSession -Emulator $emu -UserName healer
        Clear-TestEmulator -Emulator $emu
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 401 -Count 1
        $out = @(Send-ArtMessage -Session $s -Channel ops -Content 'healed')
        $out | Should -HaveCount 1
        $stats = Get-Stats
        $stats.push | Should -Be 2
        $stats.refresh | Should -Be 1
        @(Get-Received) | Should -HaveCount 1
    }
}

Describe 'A push that may have arrived' {
    BeforeAll {
        $script:session = New-TestSession -Emulator $emu
    }
    BeforeEach {
        Clear-TestEmulator -Emulator $emu
    }

    It 'a 500 on push is ArtPushOutcomeUnknown, non-terminating, never resent; its TargetObject sends it again' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 500 -Count 1
        $inputs = @(
            [pscustomobject]@{ Channel = 'ops'; Event = 'alert'; Content = 'first-500'; To = @('bob', 'carol') }
            [pscustomobject]@{ Channel = 'ops'; Event = 'alert'; Content = 'second-ok' }
        )
        $out = @($inputs | Send-ArtMessage -Session $session -RetryIntervalSec 0 -ErrorAction SilentlyContinue -ErrorVariable err)
        # Non-terminating: the second message still went.
        $out | Should -HaveCount 1
        $out[0].Content | Should -BeExactly 'second-ok'
        @($err) | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "ArtPushOutcomeUnknown,$sendId"
        $err[0].Exception.StatusCode | Should -Be 500
        $err[0].TargetObject.Channel | Should -BeExactly 'ops'
        $err[0].TargetObject.Event | Should -BeExactly 'alert'
        $err[0].TargetObject.Content | Should -BeExactly 'first-500'
        ($err[0].TargetObject.To -join ',') | Should -BeExactly 'bob,carol'
        (Get-Stats).push | Should -Be 2
        @(Get-Received | Where-Object content -EQ 'first-500') | Should -HaveCount 0

        $again = @($err[0].TargetObject | Send-ArtMessage -Session $session)
        $again | Should -HaveCount 1
        $again[0].Content | Should -BeExactly 'first-500'
        $received = @(Get-Received | Where-Object content -EQ 'first-500')
        $received | Should -HaveCount 1
        $received[0].channel | Should -BeExactly 'ops'
        $received[0].event | Should -BeExactly 'alert'
        ($received[0].to -join ',') | Should -BeExactly 'bob,carol'
    }

    It 'a message without recipients resends from its TargetObject too' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 500 -Count 1
        Send-ArtMessage -Session $session -Channel ops -Content 'to-everyone' -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeExactly "ArtPushOutcomeUnknown,$sendId"
        $again = @($err[0].TargetObject | Send-ArtMessage -Session $session)
        $again | Should -HaveCount 1
        @(Get-Received | Where-Object content -EQ 'to-everyone') | Should -HaveCount 1
    }
}

Describe 'Timeouts' {
    BeforeAll {
        $script:session = New-TestSession -Emulator $emu
        $script:passcode = New-TestSession -Emulator $emu -Stage Passcode
    }
    BeforeEach {
        Clear-TestEmulator -Emulator $emu
    }
    AfterEach {
        Clear-TestEmulator -Emulator $emu
    }

    It 'a server that never answers Get-ArtToken gives ArtTimeout (retried, since a token request is safe to resend)' {
        Add-TestEmulatorFault -Emulator $emu -Path '/auth/token' -Kind hang -Count -1
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @($passcode | Get-ArtToken -TimeoutSec 1 -MaximumRetryCount 1 -RetryIntervalSec 0 -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()
        $out | Should -HaveCount 0
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtTimeout,$tokenId"
        (Get-Stats).token | Should -Be 2
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'a single hang on Get-ArtToken is healed by a retry' {
        Add-TestEmulatorFault -Emulator $emu -Path '/auth/token' -Kind hang -Count 1
        $out = @($passcode | Get-ArtToken -TimeoutSec 1 -RetryIntervalSec 0)
        $out | Should -HaveCount 1
        (Get-Stats).token | Should -Be 2
    }

    It 'a push that gets no answer is ArtPushOutcomeUnknown, not resent, and the next message still goes' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Kind hang -Count 1
        $out = @('hang-1', 'after-hang' | ForEach-Object { [pscustomobject]@{ Channel = 'ops'; Content = $_ } } |
                Send-ArtMessage -Session $session -TimeoutSec 1 -RetryIntervalSec 0 -ErrorAction SilentlyContinue -ErrorVariable errs)
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtPushOutcomeUnknown,$sendId"
        $errs[0].TargetObject.Content | Should -BeExactly 'hang-1'
        $out | Should -HaveCount 1
        $out[0].Content | Should -BeExactly 'after-hang'
        (Get-Stats).push | Should -Be 2
    }
}

Describe 'Cancellation: stopping the pipeline' {
    BeforeAll {
        $script:session = New-TestSession -Emulator $emu
        $script:manifest = Join-Path (Get-Module ArtRest).ModuleBase 'ArtRest.psd1'

        # Starts Send-ArtMessage in its own runspace, waits until the push reached the emulator,
        # lets it wait a little, then stops it; returns how long Stop() took and the final state.
        function script:Stop-DuringPush([int]$TimeoutSec, [int]$Messages = 1, [int]$ThrottleLimit = 1) {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $Session, $TimeoutSec, $Messages, $ThrottleLimit)
                        Import-Module $Manifest
                        1..$Messages | ForEach-Object { [pscustomobject]@{ Channel = 'ops'; Content = "cancel-me-$_" } } |
                            Send-ArtMessage -Session $Session -TimeoutSec $TimeoutSec -ThrottleLimit $ThrottleLimit
                    }).AddArgument($manifest).AddArgument($session).AddArgument($TimeoutSec).AddArgument($Messages).AddArgument($ThrottleLimit)
                $handle = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(20)
                while ((Get-Stats).push -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                (Get-Stats).push | Should -BeGreaterOrEqual 1 -Because 'the push must be under way before it is stopped'
                Start-Sleep -Seconds 1
                $ps.InvocationStateInfo.State | Should -Be 'Running'
                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Stop()
                [pscustomobject]@{
                    StopSeconds = $watch.Elapsed.TotalSeconds
                    State       = $ps.InvocationStateInfo.State
                    Completed   = $handle.IsCompleted
                    Errors      = @($ps.Streams.Error)
                }
            }
            finally {
                $ps.Dispose()
            }
        }
    }
    BeforeEach {
        Clear-TestEmulator -Emulator $emu
    }
    AfterEach {
        Clear-TestEmulator -Emulator $emu
    }

    It 'stops promptly while a push hangs' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Kind hang -Count -1
        $r = Stop-DuringPush -TimeoutSec 600
        $r.StopSeconds | Should -BeLessThan 5
        $r.State | Should -Be 'Stopped'
        $r.Completed | Should -BeTrue
        $r.Errors | Should -HaveCount 0 -Because 'stopping is not an error of the cmdlet'
    }

    It 'stops promptly with eight pushes hanging in flight' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Kind hang -Count -1
        $r = Stop-DuringPush -TimeoutSec 600 -Messages 50 -ThrottleLimit 8
        $r.StopSeconds | Should -BeLessThan 5
        $r.State | Should -Be 'Stopped'
        (Get-Stats).push | Should -Be 8 -Because 'eight were in flight and no more were started'
    }

    It 'stops promptly while waiting out a 30 s Retry-After' {
        Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 503 -RetryAfter '30' -Count 1
        $r = Stop-DuringPush -TimeoutSec 600
        $r.StopSeconds | Should -BeLessThan 5
        $r.State | Should -Be 'Stopped'
        $r.Errors | Should -HaveCount 0
        Start-Sleep -Milliseconds 500
        (Get-Stats).push | Should -Be 1 -Because 'a stopped pipeline does not retry later'
        @(Get-Received) | Should -HaveCount 0
    }
}
