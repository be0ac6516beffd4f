@{
    RootModule           = 'ArtRest.Testing.psm1'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = 'c3a7e2d4-5f18-4b9a-8e6c-2d1f0a9b7c35'
    Author               = 'ArtRest contributors'
    CompanyName          = 'ArtRest'
    Copyright            = '(c) ArtRest contributors. MIT License.'
    Description          = 'Test helpers for runbooks that use ArtRest: start and stop the local ART emulator, read the messages it received, inject faults.'
    PowerShellVersion    = '7.2'
    FunctionsToExport    = @(
        'Start-ArtEmulator'
        'Stop-ArtEmulator'
        'Get-ArtEmulatorMessage'
        'Set-ArtEmulatorFault'
        'Clear-ArtEmulator'
        'Get-ArtEmulatorStatistic'
        'Set-ArtEmulatorSetting'
    )
    CmdletsToExport      = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('ART', 'ArtRest', 'Testing', 'Pester', 'Emulator', 'PSEdition_Core')
            LicenseUri   = 'https://github.com/artrest/ArtRest/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/artrest/ArtRest'
            ReleaseNotes = 'First release: Start-ArtEmulator, Stop-ArtEmulator, Get-ArtEmulatorMessage, Set-ArtEmulatorFault, Clear-ArtEmulator, Get-ArtEmulatorStatistic, Set-ArtEmulatorSetting.'
        }
    }
}
