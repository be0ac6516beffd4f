# Hostile responses: whatever a broken server or a proxy sends back, each one becomes one
# ErrorRecord with a stable ErrorId and the status kept, and the pipeline goes on.

BeforeDiscovery {
    # kind: the emulator's fault kind.
    # Retries: -MaximumRetryCount used (0 where the answer would be retried on that endpoint).
    # TokenId/TokenStatus: what Get-ArtToken reports; PushId/PushStatus: what Send-ArtMessage reports.
    # A status of 'none': no response arrived, so there is none to keep (the exception is no ArtApiException).
    $script:hostile = @(
        @{ Kind = 'html'; Retries = 0; TokenId = 'ArtServiceUnavailable'; TokenStatus = 502; PushId = 'ArtServiceUnavailable'; PushStatus = 502 }
        @{ Kind = 'empty'; Retries = 3; TokenId = 'ArtUnreadableResponse'; TokenStatus = 200; PushId = 'ArtUnreadableResponse'; PushStatus = 200 }
        @{ Kind = 'truncated'; Retries = 3; TokenId = 'ArtUnreadableResponse'; TokenStatus = 200; PushId = 'ArtUnreadableResponse'; PushStatus = 200 }
        @{ Kind = 'no-data'; Retries = 3; TokenId = 'ArtUnreadableResponse'; TokenStatus = 200; PushId = 'ArtUnreadableResponse'; PushStatus = 200 }
        @{ Kind = 'wrong-data'; Retries = 3; TokenId = 'ArtUnreadableResponse'; TokenStatus = 200; PushId = 'ArtUnreadableResponse'; PushStatus = 200 }
        # The 200 carries {"status":500,"error":...}: the reported status is believed and kept.
        @{ Kind = 'error-in-200'; Retries = 0; TokenId = 'ArtServerError'; TokenStatus = 500; PushId = 'ArtPushOutcomeUnknown'; PushStatus = 500 }
        @{ Kind = 'huge'; Retries = 3; TokenId = 'ArtUnreadableResponse'; TokenStatus = 200; PushId = 'ArtUnreadableResponse'; PushStatus = 200 }
        @{ Kind = 'hang'; Retries = 0; TokenId = 'ArtTimeout'; TokenStatus = 'none'; PushId = 'ArtPushOutcomeUnknown'; PushStatus = 'none' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    Import-ArtRestUnderTest

    $script:sendCmd = 'ArtRest.Commands.SendArtMessageCommand'
    $script:tokenCmd = 'ArtRest.Commands.GetArtTokenCommand'

    # Posted as is (Add-TestEmulatorFault always sends a status, which would replace each kind's own).
    function script:Add-Fault([string]$Path, [string]$Kind, [int]$Count = 1) {
        $rule = @{ path = $Path; kind = $Kind; count = $Count } | ConvertTo-Json -Compress
        $null = Invoke-RestMethod -Method POST -Uri "$($emu.AdminUri)/faults" -ContentType 'application/json' -Body $rule
    }

    function script:Get-Stats { Get-TestEmulatorStats -Emulator $emu }
}

AfterAll {
    $emu | Stop-TestEmulator
}

Describe 'Hostile answers to Get-ArtToken' {
    BeforeAll {
        $script:first = New-TestSession -Emulator $emu -UserName first -Stage Passcode
        $script:second = New-TestSession -Emulator $emu -UserName second -Stage Passcode
    }
    BeforeEach {
        Clear-TestEmulator -Emulator $emu
    }
    AfterEach {
        Clear-TestEmulator -Emulator $emu
    }

    It '<Kind>: <TokenId> with status <TokenStatus>, and the next session in the pipeline still gets its token' -ForEach $hostile {
        Add-Fault '/auth/token' $Kind
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @($first, $second | Get-ArtToken -MaximumRetryCount $Retries -RetryIntervalSec 0 -TimeoutSec 1 `
                -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()

        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "$TokenId,$tokenCmd"
        $errs[0].Exception | Should -BeOfType ([ArtRest.Client.ArtException])
        if ($TokenStatus -eq 'none') {
            $errs[0].Exception | Should -Not -BeOfType ([ArtRest.Client.ArtApiException])
        }
        else {
            $errs[0].Exception.StatusCode | Should -Be $TokenStatus
            $errs[0].Exception.Endpoint | Should -BeExactly '/auth/token'
        }
        $errs[0].TargetObject.UserName | Should -BeExactly 'first'

        # The pipeline was not broken: the second session got its token.
        $out | Should -HaveCount 1
        $out[0].UserName | Should -BeExactly 'second'
        $out[0].Stage | Should -Be 'Token'
        # Not retried (answers that cannot be read are not transient; the others ran with retries off).
        (Get-Stats).token | Should -Be 2
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'html 502 is retried like any 502, then reported as ArtServiceUnavailable with the page kept' {
        Add-Fault '/auth/token' 'html' -Count -1
        $out = @($first | Get-ArtToken -MaximumRetryCount 2 -RetryIntervalSec 0 -ErrorAction SilentlyContinue -ErrorVariable errs)
        $out | Should -HaveCount 0
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtServiceUnavailable,$tokenCmd"
        $errs[0].Exception.StatusCode | Should -Be 502
        $errs[0].Exception.RawBody | Should -Match 'nginx'
        (Get-Stats).token | Should -Be 3
    }

    It 'error-in-200 on a token request is retried (a token request is safe to resend) and heals' {
        Add-Fault '/auth/token' 'error-in-200'
        $out = @($first | Get-ArtToken -RetryIntervalSec 0)
        $out | Should -HaveCount 1
        (Get-Stats).token | Should -Be 2
    }

    It 'a 10 MB body is refused quickly, without reading it all' {
        Add-Fault '/auth/token' 'huge'
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $first | Get-ArtToken -ErrorAction SilentlyContinue -ErrorVariable errs
        $watch.Stop()
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtUnreadableResponse,$tokenCmd"
        $errs[0].Exception.StatusCode | Should -Be 200
        $errs[0].Exception.Message | Should -Match 'larger than'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
    }
}

Describe 'Hostile answers to Send-ArtMessage' {
    BeforeAll {
        $script:session = New-TestSession -Emulator $emu
        function script:New-Messages([string[]]$Content) {
            $Content | ForEach-Object { [pscustomobject]@{ Channel = 'hostile'; Event = 'probe'; Content = $_ } }
        }
    }
    BeforeEach {
        Clear-TestEmulator -Emulator $emu
    }
    AfterEach {
        Clear-TestEmulator -Emulator $emu
    }

    It '<Kind>: <PushId> with status <PushStatus>, and the next message in the pipeline still sends' -ForEach $hostile {
        Add-Fault '/v1/push-message' $Kind
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @(New-Messages "$Kind-faulted", "$Kind-after" |
                Send-ArtMessage -Session $session -MaximumRetryCount $Retries -RetryIntervalSec 0 -TimeoutSec 1 `
                    -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()

        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "$PushId,$sendCmd"
        $errs[0].Exception | Should -BeOfType ([ArtRest.Client.ArtException])
        if ($PushStatus -eq 'none') {
            $errs[0].Exception | Should -Not -BeOfType ([ArtRest.Client.ArtApiException])
        }
        else {
            $errs[0].Exception.StatusCode | Should -Be $PushStatus
            $errs[0].Exception.Endpoint | Should -BeExactly '/v1/push-message'
        }
        $errs[0].TargetObject.Content | Should -BeExactly "$Kind-faulted"

        $out | Should -HaveCount 1
        $out[0].Content | Should -BeExactly "$Kind-after"
        # One request per message: nothing was sent twice.
        (Get-Stats).push | Should -Be 2
        $received = @(Get-TestEmulatorMessage -Emulator $emu)
        $received | Should -HaveCount 1
        $received[0].content | Should -BeExactly "$Kind-after"
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'html 502 on push is retried (the push was refused, not processed), then ArtServiceUnavailable; the next message sends' {
        Add-Fault '/v1/push-message' 'html' -Count 3
        $out = @(New-Messages 'html-retried', 'html-next' |
                Send-ArtMessage -Session $session -MaximumRetryCount 2 -RetryIntervalSec 0 -ErrorAction SilentlyContinue -ErrorVariable errs)
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtServiceUnavailable,$sendCmd"
        $errs[0].Exception.StatusCode | Should -Be 502
        $errs[0].Exception.RawBody | Should -Match '502 Bad Gateway'
        $out | Should -HaveCount 1
        $out[0].Content | Should -BeExactly 'html-next'
        (Get-Stats).push | Should -Be 4
    }

    It 'error-in-200 on push is never resent, even with retries on' {
        Add-Fault '/v1/push-message' 'error-in-200'
        Send-ArtMessage -Session $session -Channel hostile -Content 'in-200' -RetryIntervalSec 0 -ErrorAction SilentlyContinue -ErrorVariable errs
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtPushOutcomeUnknown,$sendCmd"
        $errs[0].Exception.StatusCode | Should -Be 500
        $errs[0].Exception.Message | Should -Match 'HTTP 200'
        (Get-Stats).push | Should -Be 1
    }

    It 'a 10 MB body is refused quickly, and the session keeps working' {
        Add-Fault '/v1/push-message' 'huge'
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        Send-ArtMessage -Session $session -Channel hostile -Content 'huge' -ErrorAction SilentlyContinue -ErrorVariable errs
        $watch.Stop()
        $errs[0].FullyQualifiedErrorId | Should -BeExactly "ArtUnreadableResponse,$sendCmd"
        $errs[0].Exception.StatusCode | Should -Be 200
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
        @(Send-ArtMessage -Session $session -Channel hostile -Content 'after-huge') | Should -HaveCount 1
    }

    It 'every hostile answer in one pipeline, one after the other: each message gets its own error, none stops the rest' {
        foreach ($kind in 'html', 'empty', 'truncated', 'no-data', 'wrong-data', 'error-in-200', 'huge', 'hang') {
            Add-Fault '/v1/push-message' $kind
        }
        # The rules are used in insertion order, one per request; with retries off each message meets one.
        $contents = 1..10 | ForEach-Object { "mixed-$_" }
        $out = @(New-Messages $contents | Send-ArtMessage -Session $session -MaximumRetryCount 0 -TimeoutSec 1 `
                -ErrorAction SilentlyContinue -ErrorVariable errs)
        @($errs) | Should -HaveCount 8
        (@($errs.TargetObject.Content) -join ',') | Should -BeExactly (($contents[0..7]) -join ',')
        (@($out.Content) -join ',') | Should -BeExactly 'mixed-9,mixed-10'
    }
}
