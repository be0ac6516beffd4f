# Tab completion of -Channel and -Event from what this process sent lately: offered after a send,
# filtered by what was typed, quoted when needed, and free at import (nothing is offered before).

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    $null = Import-ArtRestUnderTest
    $script:session = New-TestSession -Emulator $emu -UserName alice

    function script:Get-Completion([string]$Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
    }
}

AfterAll {
    Clear-ArtSession
    $emu | Stop-TestEmulator
}

Describe 'Completion of -Channel and -Event' {
    It 'offers no channel before anything was sent, and always the default event' {
        $line = 'Send-ArtMessage -Channel zz-never-'
        Get-Completion $line | Should -BeNullOrEmpty
        Get-Completion 'Send-ArtMessage -Event mess' | Should -Contain 'message'
    }

    It 'offers the channels and events sent to, most recent first, filtered by the typed prefix' {
        $null = Send-ArtMessage -Session $session -Channel 'cmp-disk' -Event 'cmp-alert' -Content x -ErrorAction Stop
        $null = Send-ArtMessage -Session $session -Channel 'cmp-net' -Event 'cmp-notice' -Content x -ErrorAction Stop

        $channels = Get-Completion 'Send-ArtMessage -Channel cmp-'
        $channels | Should -Be @('cmp-net', 'cmp-disk')
        Get-Completion 'Send-ArtMessage -Channel cmp-d' | Should -Be @('cmp-disk')
        Get-Completion 'Send-ArtMessage -Event cmp-a' | Should -Be @('cmp-alert')
    }

    It 'quotes a channel name that needs it' {
        $null = Send-ArtMessage -Session $session -Channel 'cmp room 1' -Content x -ErrorAction Stop
        Get-Completion 'Send-ArtMessage -Channel cmp-r' | Should -BeNullOrEmpty
        Get-Completion "Send-ArtMessage -Channel 'cmp r" | Should -Be @("'cmp room 1'")
    }

    It 'learns from pipeline-bound channels too' {
        $null = [pscustomobject]@{ Channel = 'cmp-csv'; Content = 'row' } | Send-ArtMessage -Session $session -ErrorAction Stop
        Get-Completion 'Send-ArtMessage -Channel cmp-c' | Should -Be @('cmp-csv')
    }
}
