# Send-ArtMessage -ThrottleLimit: N pushes in flight, results (and errors) written in input
# order, every message delivered exactly once, and the same results whatever N is.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    Import-ArtRestUnderTest
    $script:session = New-TestSession -Emulator $emu -UserName alice

    $script:count = 5000
    $script:failAt = 2500   # 1-based position of the one message that fails
    $script:inputs = foreach ($i in 1..$count) {
        [pscustomobject]@{
            Channel = if ($i -eq $failAt) { 'restricted' } else { 'bulk-' + ($i % 7) }
            Event   = if ($i % 2) { 'odd' } else { 'even' }
            Content = 'throttle-{0:D5}' -f $i
            To      = if ($i % 5 -eq 0) { @('bob', 'carol') } else { $null }
        }
    }

    # Sends all inputs with the throttle given; returns the merged output (results and
    # ErrorRecords, in the order written), what the emulator received, and the time taken.
    function script:Invoke-Bulk([int]$ThrottleLimit) {
        Clear-TestEmulator -Emulator $emu
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $all = @($inputs | Send-ArtMessage -Session $session -ThrottleLimit $ThrottleLimit 2>&1)
        $watch.Stop()
        [pscustomobject]@{
            All      = $all
            Results  = @($all | Where-Object { $_ -is [ArtRest.Client.ArtMessageResult] })
            Errors   = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            Received = @(Get-TestEmulatorMessage -Emulator $emu)
            Stats    = Get-TestEmulatorStats -Emulator $emu
            Seconds  = $watch.Elapsed.TotalSeconds
        }
    }

    # One line per input position: what came out for it.
    function script:Get-Outcome($Run) {
        foreach ($item in $Run.All) {
            if ($item -is [System.Management.Automation.ErrorRecord]) {
                "error|$($item.FullyQualifiedErrorId)|$($item.TargetObject.Channel)|$($item.TargetObject.Content)"
            }
            else {
                "ok|$($item.Channel)|$($item.Event)|$($item.Content)|$($item.To -join ',')|$($item.ServerMessage)|$($item.UserName)"
            }
        }
    }

    $script:eight = Invoke-Bulk -ThrottleLimit 8
    Write-Host ("5,000 messages, -ThrottleLimit 8: {0} results, {1} errors in {2:N1} s" -f $eight.Results.Count, $eight.Errors.Count, $eight.Seconds)
}

AfterAll {
    $emu | Stop-TestEmulator
}

Describe 'Send-ArtMessage -ThrottleLimit 8 with 5,000 messages' {
    It 'writes one item per input: 4,999 results and one error' {
        $eight.All | Should -HaveCount $count
        $eight.Results | Should -HaveCount ($count - 1)
        $eight.Errors | Should -HaveCount 1
    }

    It 'writes results in input order, one to one with the inputs' {
        $expected = @($inputs | Where-Object Channel -NE 'restricted')
        for ($i = 0; $i -lt $expected.Count; $i++) {
            $r = $eight.Results[$i]
            $e = $expected[$i]
            if ($r.Content -cne $e.Content -or $r.Channel -cne $e.Channel -or $r.Event -cne $e.Event -or
                (@($r.To) -join ',') -cne (@($e.To) -join ',')) {
                throw "Result $i is $($r.Channel)/$($r.Event)/$($r.Content)/$($r.To -join ','), expected $($e.Channel)/$($e.Event)/$($e.Content)/$($e.To -join ',')"
            }
        }
        $eight.Results.ServerMessage | Sort-Object -Unique | Should -BeExactly 'Message processed successfully'
    }

    It 'writes the failing message''s ErrorRecord at its own position: ArtRbacForbidden, with the message as target' {
        $err = $eight.All[$failAt - 1]
        $err | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $err.FullyQualifiedErrorId | Should -BeExactly 'ArtRbacForbidden,ArtRest.Commands.SendArtMessageCommand'
        $err.Exception.StatusCode | Should -Be 403
        $err.TargetObject.Channel | Should -BeExactly 'restricted'
        $err.TargetObject.Content | Should -BeExactly ('throttle-{0:D5}' -f $failAt)
        $eight.All[$failAt - 2].Content | Should -BeExactly ('throttle-{0:D5}' -f ($failAt - 1))
        $eight.All[$failAt].Content | Should -BeExactly ('throttle-{0:D5}' -f ($failAt + 1))
    }

    It 'delivered every other message to the emulator exactly once, and the failing one not at all' {
        $eight.Received | Should -HaveCount ($count - 1)
        @($eight.Received | Group-Object content | Where-Object Count -GT 1) | Should -BeNullOrEmpty
        $expected = @($inputs | Where-Object Channel -NE 'restricted' | ForEach-Object Content | Sort-Object)
        $got = @($eight.Received.content | Sort-Object)
        ($got -join ',') | Should -BeExactly ($expected -join ',')
        # One request per message: nothing was retried or sent twice.
        $eight.Stats.push | Should -Be $count
        $eight.Stats.pushAccepted | Should -Be ($count - 1)
    }

    It 'delivered each message as given (channel, event, recipients)' {
        $byContent = @{}
        foreach ($m in $eight.Received) { $byContent[$m.content] = $m }
        foreach ($in in $inputs) {
            if ($in.Channel -eq 'restricted') { continue }
            $m = $byContent[$in.Content]
            if ($m.channel -cne $in.Channel -or $m.event -cne $in.Event -or (@($m.to) -join ',') -cne (@($in.To) -join ',')) {
                throw "$($in.Content) arrived as $($m.channel)/$($m.event)/$(@($m.to) -join ',')"
            }
        }
    }
}

Describe '-ThrottleLimit 1 and 8 give the same results' {
    BeforeAll {
        $script:one = Invoke-Bulk -ThrottleLimit 1
        Write-Host ("5,000 messages, -ThrottleLimit 1: {0} results, {1} errors in {2:N1} s" -f $one.Results.Count, $one.Errors.Count, $one.Seconds)
    }

    It 'writes the same outcome for every input position' {
        $a = @(Get-Outcome $one)
        $b = @(Get-Outcome $eight)
        $a | Should -HaveCount $count
        ($a -join "`n") | Should -BeExactly ($b -join "`n")
    }

    It 'with -ThrottleLimit 1 the emulator receives the messages in input order' {
        $expected = @($inputs | Where-Object Channel -NE 'restricted' | ForEach-Object Content)
        (@($one.Received.content) -join ',') | Should -BeExactly ($expected -join ',')
        $one.Stats.push | Should -Be $count
    }
}

Describe '-ThrottleLimit keeps N pushes in flight, no more' {
    BeforeAll {
        Clear-TestEmulator -Emulator $emu
        $null = Set-TestEmulatorSetting -Emulator $emu -Setting @{ latencyMs = 100 }
        $messages = 1..40 | ForEach-Object { [pscustomobject]@{ Channel = 'slow'; Content = "slow-$_" } }
        $script:timing = foreach ($limit in 1, 8) {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $out = @($messages | Send-ArtMessage -Session $session -ThrottleLimit $limit)
            $watch.Stop()
            [pscustomobject]@{ Limit = $limit; Seconds = $watch.Elapsed.TotalSeconds; Contents = @($out.Content) }
        }
    }
    AfterAll {
        $null = Set-TestEmulatorSetting -Emulator $emu -Setting @{ latencyMs = 0 }
        Clear-TestEmulator -Emulator $emu
    }

    It 'one at a time with -ThrottleLimit 1 (40 x 100 ms)' {
        $timing[0].Seconds | Should -BeGreaterOrEqual 3.9
    }

    It 'about eight at a time with -ThrottleLimit 8: far faster, but not faster than 40 / 8 x 100 ms' {
        $timing[1].Seconds | Should -BeLessThan ($timing[0].Seconds / 3)
        $timing[1].Seconds | Should -BeGreaterOrEqual 0.45
    }

    It 'gives the same ordered results either way' {
        ($timing[1].Contents -join ',') | Should -BeExactly ($timing[0].Contents -join ',')
        $timing[1].Contents | Should -HaveCount 40
    }
}

Describe 'Eight pushes in flight that all meet a 401' {
    BeforeAll {
        $script:renewing = New-TestSession -Emulator $emu -UserName renewing
        Clear-TestEmulator -Emulator $emu
        # The eight first requests are refused; the delay keeps the retries after all eight refusals.
        $rule = @{ path = '/v1/push-message'; status = 401; count = 8; latencyMs = 300 } | ConvertTo-Json -Compress
        $null = Invoke-RestMethod -Method POST -Uri "$($emu.AdminUri)/faults" -ContentType 'application/json' -Body $rule
        $script:renewed = @(1..8 | ForEach-Object { [pscustomobject]@{ Channel = 'ops'; Content = "renew-$_" } } |
                Send-ArtMessage -Session $renewing -ThrottleLimit 8 -ErrorAction SilentlyContinue -ErrorVariable renewErrors)
        $script:renewErrors = @($renewErrors)
        $script:renewStats = Get-TestEmulatorStats -Emulator $emu
    }

    It 'renew the token once (single flight) and all get through' {
        $renewErrors | Should -BeNullOrEmpty
        (@($renewed.Content) -join ',') | Should -BeExactly ((1..8 | ForEach-Object { "renew-$_" }) -join ',')
        $renewStats.refresh | Should -Be 1
        $renewStats.token | Should -Be 0
        $renewStats.push | Should -Be 16
        $renewStats.pushAccepted | Should -Be 8
    }
}
