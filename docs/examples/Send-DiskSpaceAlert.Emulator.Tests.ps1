# Send-DiskSpaceAlert.ps1 against the ART emulator: real sign-in, real pushes, real errors.
# Needs the built module and helpers: ./build.ps1 -Task Build (out/ArtRest, out/ArtRest.Testing, out/emulator).

BeforeAll {
    Import-Module "$PSScriptRoot/../../out/ArtRest/ArtRest.psd1", "$PSScriptRoot/../../out/ArtRest.Testing/ArtRest.Testing.psd1"
    $emu = Start-ArtEmulator
    $tenant = $emu.ConnectionParameters   # BaseUri, Organization, Environment, ProjectKey, Credential
}
AfterAll { $emu | Stop-ArtEmulator }

Describe 'Send-DiskSpaceAlert.ps1 against the emulator' {
    BeforeAll {
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
            [pscustomobject]@{ Name = '/var'; UsedPercent = 93.5 }
            [pscustomobject]@{ Name = '/data'; UsedPercent = 97 }
        )
    }

    BeforeEach {
        Clear-ArtEmulator -Emulator $emu
        $retryFile = Join-Path $TestDrive "retry-$([guid]::NewGuid().ToString('N')).csv"
    }

    It 'sends one alert per channel, to the users listed for it, about the disks over the threshold' {
        $results = & $runbook @tenant -RecipientsCsv $recipients -DiskUsage $disks -ThresholdPercent 90 -ComputerName web01 -RetryPath $retryFile

        $results.Status | Should -Be 'Sent', 'Sent'
        $storage = @(Get-ArtEmulatorMessage -Emulator $emu -Channel oncall-storage)
        $storage | Should -HaveCount 1
        $storage[0].event | Should -BeExactly 'disk-space-alert'
        $storage[0].user | Should -BeExactly 'disk-monitor'
        ($storage[0].to -join ',') | Should -BeExactly 'alice,bob'
        $storage[0].content | Should -BeExactly 'Disk space alert on web01 (threshold 90%): /data is 97.0% full; /var is 93.5% full.'

        $broadcast = @(Get-ArtEmulatorMessage -Emulator $emu -Channel ops-broadcast)
        $broadcast | Should -HaveCount 1
        $broadcast[0].to | Should -BeNullOrEmpty -Because 'an empty UserName means everyone on the channel'
        $retryFile | Should -Not -Exist
    }

    It 'sends nothing, and does not even sign in, when no disk is over the threshold' {
        $results = & $runbook @tenant -RecipientsCsv $recipients -DiskUsage $disks -ThresholdPercent 99 -RetryPath $retryFile

        $results | Should -BeNullOrEmpty
        Get-ArtEmulatorMessage -Emulator $emu | Should -BeNullOrEmpty
        (Get-ArtEmulatorStatistic -Emulator $emu).passcode | Should -Be 0
    }

    It 'warns and goes on with the next channel when the sender may not push to one (RBAC)' {
        $withRestricted = Join-Path $TestDrive 'with-restricted.csv'
        "Channel,UserName`nrestricted,alice`noncall-storage,bob" | Set-Content -LiteralPath $withRestricted

        $results = & $runbook @tenant -RecipientsCsv $withRestricted -DiskUsage $disks -RetryPath $retryFile -WarningVariable warnings -WarningAction SilentlyContinue

        ($results | Where-Object Channel -eq 'restricted').Status | Should -BeExactly 'Denied'
        ($results | Where-Object Channel -eq 'oncall-storage').Status | Should -BeExactly 'Sent'
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike "*may not push to channel 'restricted'*"
        @(Get-ArtEmulatorMessage -Emulator $emu).channel | Should -Be 'oncall-storage'
        $retryFile | Should -Not -Exist -Because 'a denied push is not worth retrying'
    }

    It 'gets through a 503 (ArtRest retries it after Retry-After)' {
        Set-ArtEmulatorFault -Emulator $emu -Path /v1/push-message -Status 503 -RetryAfter 0

        $results = & $runbook @tenant -RecipientsCsv $recipients -DiskUsage $disks -RetryPath $retryFile

        $results.Status | Should -Be 'Sent', 'Sent'
        Get-ArtEmulatorMessage -Emulator $emu | Should -HaveCount 2
        (Get-ArtEmulatorStatistic -Emulator $emu).push | Should -Be 3 -Because 'the first push was answered 503 and retried'
    }

    It 'saves a message whose outcome is unknown to the retry file, from which it can be sent again' {
        Set-ArtEmulatorFault -Emulator $emu -Path /v1/push-message -Status 500   # ArtRest never resends such a push

        $results = & $runbook @tenant -RecipientsCsv $recipients -DiskUsage $disks -RetryPath $retryFile -WarningAction SilentlyContinue

        $results.Status | Should -Be 'OutcomeUnknown', 'Sent'
        $saved = @(Import-Csv $retryFile)
        $saved | Should -HaveCount 1
        $saved[0].Channel | Should -BeExactly 'oncall-storage'
        $saved[0].To | Should -BeExactly 'alice;bob'
        Get-ArtEmulatorMessage -Emulator $emu -Channel oncall-storage | Should -BeNullOrEmpty

        # The replay the runbook's help describes.
        $null = New-ArtPasscode @tenant -UserName disk-monitor | Get-ArtToken | New-ArtConnection
        Import-Csv $retryFile | Send-ArtMessage | Should -HaveCount 1
        $replayed = @(Get-ArtEmulatorMessage -Emulator $emu -Channel oncall-storage)
        ($replayed.to -join ',') | Should -BeExactly 'alice,bob'
        $replayed.content | Should -BeExactly $saved[0].Content
    }

    It 'takes the tenant and the client credentials from the ART_* environment variables' {
        $variables = @{
            ART_BASE_URI = $emu.BaseUri; ART_ORG = $emu.Organization; ART_ENVIRONMENT = $emu.Environment
            ART_PROJECT_KEY = $emu.ProjectKey; ART_CLIENT_ID = $emu.ClientId; ART_CLIENT_SECRET = $emu.ClientSecret
        }
        $saved = @{}
        foreach ($name in $variables.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $variables[$name]) }
        try {
            $results = & $runbook -RecipientsCsv $recipients -DiskUsage $disks -RetryPath $retryFile
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }

        $results.Status | Should -Be 'Sent', 'Sent'
        Get-ArtEmulatorMessage -Emulator $emu | Should -HaveCount 2
    }
}
