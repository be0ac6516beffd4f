@{
    RootModule           = 'ArtRest.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '5b0f4d0e-7a61-4c1e-9a8e-3f2d6c1b7a90'
    Author               = 'ArtRest contributors'
    CompanyName          = 'ArtRest'
    Copyright            = '(c) ArtRest contributors. MIT License.'
    Description          = 'PowerShell cmdlets for the ART (A Realtime Tech) REST API: passcodes, tokens, connections and message pushes as one pipeline, with real ErrorRecords, retries and token refresh.'
    PowerShellVersion    = '5.1'
    TypesToProcess       = @('ArtRest.types.ps1xml')
    FormatsToProcess     = @('ArtRest.format.ps1xml')
    CmdletsToExport      = @(
        'New-ArtPasscode'
        'Get-ArtToken'
        'New-ArtConnection'
        'Send-ArtMessage'
        'Get-ArtSession'
        'Clear-ArtSession'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('ART', 'ARealtimeTech', 'Realtime', 'Messaging', 'REST', 'Notifications', 'PSEdition_Core', 'PSEdition_Desktop', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://github.com/artrest/ArtRest/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/artrest/ArtRest'
            ReleaseNotes = 'First release: New-ArtPasscode, Get-ArtToken, New-ArtConnection, Send-ArtMessage, Get-ArtSession, Clear-ArtSession; the bundled ART emulator.'
        }
    }
}
