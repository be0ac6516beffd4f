# Send-DiskSpaceAlert.ps1 with ArtRest's cmdlets mocked: no emulator, no network; the tests check
# what the runbook asks ArtRest to do, and how it handles the errors ArtRest reports.
#
# Why Mock without -ModuleName: the runbook is a script, not a module. It runs in the caller's
# session state, so a Mock defined here, in the test's scope, is the command it finds. -ModuleName
# is for calls made from inside a script module; ArtRest is a binary module, and it is not the
# caller here anyway. ArtRest must still be imported: Mock copies each cmdlet's parameters.
# -RemoveParameterType Session lets the fake sessions below (plain objects) stand in for ArtSession.

BeforeAll {
    Import-Module "$PSScriptRoot/../../out/ArtRest/ArtRest.psd1"
    $runbook = "$PSScriptRoot/Send-DiskSpaceAlert.ps1"

    $recipients = Join-Path $TestDrive 'oncall.csv'
    @'
Channel,UserName
oncall-storage,alice
oncall-storage,bob
ops-broadcast,
'@ | Set-Content -LiteralPath $recipients
    $disks = @(
        [pscustomobject]@{ Name = '/'; UsedPercent = 42 }
        [pscustomobject]@{ Name = '/data'; UsedPercent = 97 }
    )

    function New-ArtErrorRecord {
        # The ErrorRecord Send-ArtMessage writes for a failure: what the runbook's catch matches on.
        param([string]$ErrorId, [System.Management.Automation.ErrorCategory]$Category, [string]$Message)
        [System.Management.Automation.ErrorRecord]::new(
            [System.Exception]::new($Message), "$ErrorId,ArtRest.Commands.SendArtMessageCommand", $Category, $null)
    }
}

Describe 'Send-DiskSpaceAlert.ps1 with ArtRest mocked' {
    BeforeEach {
        $retryFile = Join-Path $TestDrive "retry-$([guid]::NewGuid().ToString('N')).csv"
        Mock New-ArtPasscode { [pscustomobject]@{ UserName = $UserName; Stage = 'Passcode' } }
        Mock Get-ArtToken -RemoveParameterType Session { $Session.Stage = 'Token'; $Session }
        Mock New-ArtConnection -RemoveParameterType Session { $Session.Stage = 'Connected'; $Session }
        Mock Send-ArtMessage -RemoveParameterType Session { [pscustomobject]@{ Channel = $Channel; ServerMessage = 'Message processed successfully' } }
    }

    It 'signs in once, as disk-monitor, passing on the identity it was given' {
        $config = Join-Path $TestDrive 'adk-services.json'

        $null = & $runbook -RecipientsCsv $recipients -DiskUsage $disks -ConfigurationPath $config -BaseUri https://art.example/ws -RetryPath $retryFile

        Should -Invoke New-ArtPasscode -Times 1 -Exactly -ParameterFilter {
            $UserName -eq 'disk-monitor' -and $ConfigurationPath -eq $config -and $BaseUri -eq 'https://art.example/ws' -and $null -eq $Credential
        }
        Should -Invoke Get-ArtToken -Times 1 -Exactly
        Should -Invoke New-ArtConnection -Times 1 -Exactly
    }

    It 'sends one alert per channel, with -To from the CSV, or none for everyone' {
        $results = & $runbook -RecipientsCsv $recipients -DiskUsage $disks -ThresholdPercent 90 -ComputerName web01 -RetryPath $retryFile

        $results.Status | Should -Be 'Sent', 'Sent'
        Should -Invoke Send-ArtMessage -Times 2 -Exactly
        Should -Invoke Send-ArtMessage -Times 1 -Exactly -ParameterFilter {
            $Channel -eq 'oncall-storage' -and ($To -join ',') -eq 'alice,bob' -and $Event -eq 'disk-space-alert' -and
            $Content -eq 'Disk space alert on web01 (threshold 90%): /data is 97.0% full.' -and $Session.Stage -eq 'Connected'
        }
        Should -Invoke Send-ArtMessage -Times 1 -Exactly -ParameterFilter { $Channel -eq 'ops-broadcast' -and $null -eq $To }
    }

    It 'does not sign in or send when no disk is over the threshold' {
        & $runbook -RecipientsCsv $recipients -DiskUsage $disks -ThresholdPercent 98 -RetryPath $retryFile | Should -BeNullOrEmpty

        Should -Invoke New-ArtPasscode -Times 0 -Exactly
        Should -Invoke Send-ArtMessage -Times 0 -Exactly
    }

    It 'reads the file-system drives when no -DiskUsage is given' {
        Mock Get-PSDrive -ParameterFilter { $PSProvider -eq 'FileSystem' } {
            [pscustomobject]@{ Root = '/'; Used = 95GB; Free = 5GB }
            [pscustomobject]@{ Root = '/boot'; Used = 1GB; Free = 9GB }
            [pscustomobject]@{ Root = '/mnt/share'; Used = $null; Free = $null }
        }

        $null = & $runbook -RecipientsCsv $recipients -ThresholdPercent 90 -ComputerName web01 -RetryPath $retryFile

        Should -Invoke Get-PSDrive -Times 1 -Exactly
        Should -Invoke Send-ArtMessage -Times 2 -Exactly -ParameterFilter { $Content -eq 'Disk space alert on web01 (threshold 90%): / is 95.0% full.' }
    }

    It 'sends nothing with -WhatIf' {
        $results = & $runbook -RecipientsCsv $recipients -DiskUsage $disks -RetryPath $retryFile -WhatIf

        $results.Status | Should -Be 'Skipped', 'Skipped'
        Should -Invoke New-ArtPasscode -Times 0 -Exactly
        Should -Invoke Send-ArtMessage -Times 0 -Exactly
    }

    It 'warns on an RBAC denial and goes on with the next channel' {
        Mock Send-ArtMessage -RemoveParameterType Session -ParameterFilter { $Channel -eq 'oncall-storage' } {
            throw (New-ArtErrorRecord ArtRbacForbidden PermissionDenied 'ART answered HTTP 403: [RBAC] denied')
        }

        $results = & $runbook -RecipientsCsv $recipients -DiskUsage $disks -RetryPath $retryFile -WarningVariable warnings -WarningAction SilentlyContinue

        $results.Status | Should -Be 'Denied', 'Sent'
        "$warnings" | Should -BeLike "*may not push to channel 'oncall-storage'*"
        Should -Invoke Send-ArtMessage -Times 1 -Exactly -ParameterFilter { $Channel -eq 'ops-broadcast' }
        $retryFile | Should -Not -Exist
    }

    It 'saves a message whose outcome is unknown to the retry file, in columns Send-ArtMessage binds' {
        Mock Send-ArtMessage -RemoveParameterType Session -ParameterFilter { $Channel -eq 'oncall-storage' } {
            throw (New-ArtErrorRecord ArtPushOutcomeUnknown ConnectionError 'The message may or may not have reached ART')
        }

        $results = & $runbook -RecipientsCsv $recipients -DiskUsage $disks -ComputerName web01 -RetryPath $retryFile -WarningAction SilentlyContinue

        $results.Status | Should -Be 'OutcomeUnknown', 'Sent'
        $saved = @(Import-Csv $retryFile)
        $saved | Should -HaveCount 1
        $saved[0].Channel | Should -BeExactly 'oncall-storage'
        $saved[0].Event | Should -BeExactly 'disk-space-alert'
        $saved[0].Content | Should -BeExactly 'Disk space alert on web01 (threshold 90%): /data is 97.0% full.'
        $saved[0].To | Should -BeExactly 'alice;bob'
        $saved[0].Reason | Should -BeExactly 'OutcomeUnknown'
    }

    It 'reports any other failure as a non-terminating error, saves the message and goes on' {
        Mock Send-ArtMessage -RemoveParameterType Session -ParameterFilter { $Channel -eq 'oncall-storage' } {
            throw (New-ArtErrorRecord ArtServiceUnavailable ConnectionError 'ART answered HTTP 503')
        }

        # 2>&1: what the runbook writes to the error stream (-ErrorVariable would also hold the errors it caught).
        # -ErrorAction Continue: the error is non-terminating whatever $ErrorActionPreference the caller has.
        $output = & $runbook -RecipientsCsv $recipients -DiskUsage $disks -RetryPath $retryFile -ErrorAction Continue 2>&1
        $failures = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $results = @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })

        $results.Status | Should -Be 'Failed', 'Sent'
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'ArtServiceUnavailable,*'
        (Import-Csv $retryFile).Reason | Should -BeExactly 'ArtServiceUnavailable'
    }

    It 'stops, sending nothing, when it cannot sign in' {
        Mock New-ArtPasscode { throw (New-ArtErrorRecord ArtInvalidCredentials AuthenticationError 'ART answered HTTP 401') }

        { & $runbook -RecipientsCsv $recipients -DiskUsage $disks -RetryPath $retryFile } | Should -Throw -ErrorId 'ArtInvalidCredentials,*'

        Should -Invoke Send-ArtMessage -Times 0 -Exactly
    }
}
