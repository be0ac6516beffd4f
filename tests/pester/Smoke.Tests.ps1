BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    Import-ArtRestUnderTest
}

AfterAll {
    $emu | Stop-TestEmulator
}

Describe 'The ArtRest module' {
    It 'exports exactly its six cmdlets' {
        $expected = 'Clear-ArtSession', 'Get-ArtSession', 'Get-ArtToken', 'New-ArtConnection', 'New-ArtPasscode', 'Send-ArtMessage'
        $exported = (Get-Module ArtRest).ExportedCommands.Keys | Sort-Object
        ($exported -join ', ') | Should -BeExactly ($expected -join ', ')
    }
}

Describe 'The four-step pipeline against the emulator' {
    BeforeAll {
        Clear-TestEmulator -Emulator $emu
    }

    It 'delivers one message with the channel, event, content, recipients and user given' {
        New-ArtPasscode -BaseUri $emu.BaseUri -Organization $emu.Organization -Environment $emu.Environment `
                -ProjectKey $emu.ProjectKey -Credential $emu.Credential -UserName alice |
            Get-ArtToken | New-ArtConnection |
            Send-ArtMessage -Channel ops -Event alert -Content 'disk full' -To bob, carol |
            Should -Not -BeNullOrEmpty

        $messages = @(Get-TestEmulatorMessage -Emulator $emu)
        $messages | Should -HaveCount 1
        $messages[0].channel | Should -BeExactly 'ops'
        $messages[0].event | Should -BeExactly 'alert'
        $messages[0].content | Should -BeExactly 'disk full'
        ($messages[0].to -join ',') | Should -BeExactly 'bob,carol'
        $messages[0].user | Should -BeExactly 'alice'
    }
}
