# Where the identity and client credentials come from: parameters, an adk-services.json file
# (-ConfigurationPath), the ART_* environment variables, in that order; passcode-only sign-in;
# and the error that names every missing value and every place it was looked for.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    $null = Import-ArtRestUnderTest

    $script:artVariables = 'ART_BASE_URI', 'ART_ORG', 'ART_ENVIRONMENT', 'ART_PROJECT_KEY', 'ART_CLIENT_ID', 'ART_CLIENT_SECRET'
    $script:wrongOrg = 'no-such-org'

    # Writes an adk-services.json into TestDrive; keys with a $null value are left out.
    function New-AdkServicesFile {
        param([hashtable]$Values, [string]$Name = 'adk-services.json')
        $content = [ordered]@{}
        foreach ($key in $Values.Keys) { if ($null -ne $Values[$key]) { $content[$key] = $Values[$key] } }
        $path = Join-Path $TestDrive $Name
        $content | ConvertTo-Json | Set-Content -Path $path -Encoding utf8
        $path
    }

    # The demo tenant as adk-services.json values, with overrides.
    function Get-TenantFileValues([hashtable]$Override = @{}) {
        $values = @{
            'BaseUri'       = $emu.BaseUri
            'Org-Title'     = $emu.Organization
            'Environment'   = $emu.Environment
            'ProjectKey'    = $emu.ProjectKey
            'Client-ID'     = $emu.ClientId
            'Client-Secret' = $emu.ClientSecret
        }
        foreach ($key in $Override.Keys) { $values[$key] = $Override[$key] }
        $values
    }

    # Sets the ART_* variables for the demo tenant, with overrides ($null removes one).
    function Set-TenantEnvironment([hashtable]$Override = @{}) {
        $values = @{
            ART_BASE_URI      = $emu.BaseUri
            ART_ORG           = $emu.Organization
            ART_ENVIRONMENT   = $emu.Environment
            ART_PROJECT_KEY   = $emu.ProjectKey
            ART_CLIENT_ID     = $emu.ClientId
            ART_CLIENT_SECRET = $emu.ClientSecret
        }
        foreach ($key in $Override.Keys) { $values[$key] = $Override[$key] }
        foreach ($key in $values.Keys) { [Environment]::SetEnvironmentVariable($key, $values[$key]) }
    }

    # Runs the script and returns the ErrorRecord it throws (run its cmdlets with -ErrorAction Stop).
    function Get-ThrownError([scriptblock]$Script) {
        try { $null = & $Script } catch { return $_ }
        throw 'Expected an error, but none was thrown.'
    }

    function Get-Stats { Get-TestEmulatorStats -Emulator $emu }

    # A passcode for a user, as New-ArtPasscode returns it (the only step that needs the client secret).
    function Get-TestPasscode([string]$UserName = 'alice') {
        (New-TestSession -Emulator $emu -UserName $UserName -Stage Passcode).Passcode
    }
}

AfterAll {
    $emu | Stop-TestEmulator
}

Describe 'Credentials' {
    # Every test starts with no ART_* variable set, and leaves them as they were.
    BeforeEach {
        $script:savedVariables = @{}
        foreach ($name in $artVariables) {
            $script:savedVariables[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
    }

    AfterEach {
        foreach ($name in $artVariables) {
            [Environment]::SetEnvironmentVariable($name, $script:savedVariables[$name])
        }
    }

    Context 'Each credential source on its own' {
        It 'signs in with -Credential and the identity parameters' {
            $s = Get-ArtToken -BaseUri $emu.BaseUri -Organization $emu.Organization -Environment $emu.Environment `
                -ProjectKey $emu.ProjectKey -Credential $emu.Credential -UserName alice -ErrorAction Stop
            $s.Stage | Should -Be 'Token'
            $s.BaseUri.AbsoluteUri.TrimEnd('/') | Should -Be $emu.BaseUri
            $s.ClientId | Should -BeExactly $emu.ClientId
            $s.UserName | Should -BeExactly 'alice'
        }

        It 'signs in with -ClientId and -ClientSecret' {
            $secret = ConvertTo-SecureString $emu.ClientSecret -AsPlainText -Force
            $s = Get-ArtToken -BaseUri $emu.BaseUri -Organization $emu.Organization -Environment $emu.Environment `
                -ProjectKey $emu.ProjectKey -ClientId $emu.ClientId -ClientSecret $secret -UserName alice -ErrorAction Stop
            $s.Stage | Should -Be 'Token'
            $s.ClientId | Should -BeExactly $emu.ClientId
        }

        It 'uses the client secret given as a parameter (a wrong one is refused)' {
            $wrong = [pscredential]::new($emu.ClientId, (ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force))
            $err = Get-ThrownError {
                Get-ArtToken -BaseUri $emu.BaseUri -Organization $emu.Organization -Environment $emu.Environment `
                    -ProjectKey $emu.ProjectKey -Credential $wrong -UserName alice -ErrorAction Stop
            }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtInvalidCredentials,*'
        }

        It 'signs in with an adk-services.json file alone, base URI included' {
            $path = New-AdkServicesFile (Get-TenantFileValues)
            $s = Get-ArtToken -ConfigurationPath $path -UserName alice -ErrorAction Stop
            $s.Stage | Should -Be 'Token'
            $s.BaseUri.AbsoluteUri.TrimEnd('/') | Should -Be $emu.BaseUri
            $s.Organization | Should -BeExactly $emu.Organization
            $s.ClientId | Should -BeExactly $emu.ClientId
        }

        It 'runs the whole pipeline from an adk-services.json file' {
            $path = New-AdkServicesFile (Get-TenantFileValues)
            Clear-TestEmulator -Emulator $emu
            $result = New-ArtPasscode -ConfigurationPath $path -UserName carol -ErrorAction Stop |
                Get-ArtToken -ErrorAction Stop | New-ArtConnection -ErrorAction Stop |
                Send-ArtMessage -Channel cfg -Content 'from file' -ErrorAction Stop
            $result.UserName | Should -BeExactly 'carol'
            @(Get-TestEmulatorMessage -Emulator $emu).content | Should -BeExactly 'from file'
        }

        It 'signs in with the ART_* environment variables alone, base URI included' {
            Set-TenantEnvironment
            $s = Get-ArtToken -UserName alice -ErrorAction Stop
            $s.Stage | Should -Be 'Token'
            $s.BaseUri.AbsoluteUri.TrimEnd('/') | Should -Be $emu.BaseUri
            $s.ProjectKey | Should -BeExactly $emu.ProjectKey
            $s.ClientId | Should -BeExactly $emu.ClientId
        }
    }

    Context 'Precedence: parameters, then the file, then the environment' {
        It 'a parameter beats the file: right -Organization, wrong Org-Title → signs in' {
            $path = New-AdkServicesFile (Get-TenantFileValues @{ 'Org-Title' = $wrongOrg })
            $s = Get-ArtToken -ConfigurationPath $path -Organization $emu.Organization -UserName alice -ErrorAction Stop
            $s.Organization | Should -BeExactly $emu.Organization
        }

        It 'a parameter beats the file: wrong -Organization, right Org-Title → ArtNotFound' {
            $path = New-AdkServicesFile (Get-TenantFileValues)
            $err = Get-ThrownError { Get-ArtToken -ConfigurationPath $path -Organization $wrongOrg -UserName alice -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtNotFound,*'
        }

        It 'a parameter beats the file for the client secret too' {
            $wrongSecret = New-AdkServicesFile (Get-TenantFileValues @{ 'Client-Secret' = 'not-the-secret' }) -Name 'wrong-secret.json'
            $s = Get-ArtToken -ConfigurationPath $wrongSecret -Credential $emu.Credential -UserName alice -ErrorAction Stop
            $s.Stage | Should -Be 'Token'

            $rightSecret = New-AdkServicesFile (Get-TenantFileValues) -Name 'right-secret.json'
            $wrong = [pscredential]::new($emu.ClientId, (ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force))
            $err = Get-ThrownError { Get-ArtToken -ConfigurationPath $rightSecret -Credential $wrong -UserName alice -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtInvalidCredentials,*'
        }

        It 'the file beats the environment: right Org-Title, wrong ART_ORG → signs in' {
            Set-TenantEnvironment @{ ART_ORG = $wrongOrg }
            $path = New-AdkServicesFile @{ 'Org-Title' = $emu.Organization }
            $s = Get-ArtToken -ConfigurationPath $path -UserName alice -ErrorAction Stop
            $s.Organization | Should -BeExactly $emu.Organization
        }

        It 'the file beats the environment: wrong Org-Title, right ART_ORG → ArtNotFound' {
            Set-TenantEnvironment
            $path = New-AdkServicesFile @{ 'Org-Title' = $wrongOrg }
            $err = Get-ThrownError { Get-ArtToken -ConfigurationPath $path -UserName alice -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtNotFound,*'
        }

        It 'the file beats the environment for the base URI' {
            # ART_BASE_URI points at a port nothing listens on; the file's BaseUri is the emulator.
            Set-TenantEnvironment @{ ART_BASE_URI = 'http://127.0.0.1:9/ws' }
            $path = New-AdkServicesFile @{ 'BaseUri' = $emu.BaseUri }
            $s = Get-ArtToken -ConfigurationPath $path -UserName alice -MaximumRetryCount 0 -ErrorAction Stop
            $s.BaseUri.AbsoluteUri.TrimEnd('/') | Should -Be $emu.BaseUri
        }

        It 'a parameter beats the environment: right -Organization, wrong ART_ORG → signs in; swapped → ArtNotFound' {
            Set-TenantEnvironment @{ ART_ORG = $wrongOrg }
            $s = Get-ArtToken -Organization $emu.Organization -UserName alice -ErrorAction Stop
            $s.Organization | Should -BeExactly $emu.Organization

            Set-TenantEnvironment
            $err = Get-ThrownError { Get-ArtToken -Organization $wrongOrg -UserName alice -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtNotFound,*'
        }
    }

    Context 'Passcode sign-in without a client secret' {
        It 'signs in with -Passcode and no client id or secret anywhere, then connects and sends' {
            $passcode = Get-TestPasscode alice
            Clear-TestEmulator -Emulator $emu
            $s = Get-ArtToken -Passcode $passcode -UserName alice -BaseUri $emu.BaseUri -Organization $emu.Organization `
                -Environment $emu.Environment -ProjectKey $emu.ProjectKey -ErrorAction Stop
            $s.Stage | Should -Be 'Token'
            $s.ClientSecret | Should -BeNullOrEmpty
            $s.ClientId | Should -BeNullOrEmpty
            $s.CanSignIn | Should -BeTrue
            $result = $s | New-ArtConnection -ErrorAction Stop | Send-ArtMessage -Channel pass -Content 'passcode only' -ErrorAction Stop
            $result.UserName | Should -BeExactly 'alice'
            $messages = @(Get-TestEmulatorMessage -Emulator $emu)
            $messages | Should -HaveCount 1
            $messages[0].user | Should -BeExactly 'alice'
            $stats = Get-Stats
            $stats.token | Should -Be 1
            $stats.passcode | Should -Be 0
        }

        It 'signs in with -Passcode and -ClientId but no client secret' {
            $passcode = Get-TestPasscode bob
            $s = Get-ArtToken -Passcode $passcode -ClientId $emu.ClientId -UserName bob -BaseUri $emu.BaseUri `
                -Organization $emu.Organization -Environment $emu.Environment -ProjectKey $emu.ProjectKey -ErrorAction Stop
            $s.Stage | Should -Be 'Token'
            $s.ClientSecret | Should -BeNullOrEmpty
            $s.UserName | Should -BeExactly 'bob'
        }

        It 'takes the rest of the identity from the environment, with no client secret there' {
            $passcode = Get-TestPasscode alice
            Set-TenantEnvironment @{ ART_CLIENT_ID = $null; ART_CLIENT_SECRET = $null }
            $s = Get-ArtToken -Passcode $passcode -UserName alice -ErrorAction Stop
            $s.Stage | Should -Be 'Token'
            $s.ClientSecret | Should -BeNullOrEmpty
        }

        It 'signs a passcode session without a client secret in again with its passcode when the refresh is refused' {
            $passcode = Get-TestPasscode alice
            $s = Get-ArtToken -Passcode $passcode -UserName alice -BaseUri $emu.BaseUri -Organization $emu.Organization `
                -Environment $emu.Environment -ProjectKey $emu.ProjectKey -ErrorAction Stop | New-ArtConnection -ErrorAction Stop
            $s.ClientSecret | Should -BeNullOrEmpty
            Clear-TestEmulator -Emulator $emu
            $null = Add-TestEmulatorFault -Emulator $emu -Path '/auth/token/refresh' -Status 401 -Count 1 -Body '{"error":"Invalid refresh token"}'
            $before = $s.AccessToken | ConvertFrom-SecureString -AsPlainText
            $null = Get-ArtToken -Session $s -Refresh -ErrorAction Stop
            ($s.AccessToken | ConvertFrom-SecureString -AsPlainText) | Should -Not -Be $before
            $stats = Get-Stats
            $stats.refresh | Should -Be 1
            $stats.token | Should -Be 1
            (Send-ArtMessage -Session $s -Channel pass -Content 'after passcode sign-in' -ErrorAction Stop).UserName | Should -BeExactly 'alice'
        }

        It 'refuses a passcode issued to another user' {
            $passcode = Get-TestPasscode alice
            $err = Get-ThrownError {
                Get-ArtToken -Passcode $passcode -UserName mallory -BaseUri $emu.BaseUri -Organization $emu.Organization `
                    -Environment $emu.Environment -ProjectKey $emu.ProjectKey -ErrorAction Stop
            }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtInvalidCredentials,*'
        }
    }

    Context 'Missing values' {
        It 'lists every missing field and every place looked for it, when nothing is given' {
            $err = Get-ThrownError { Get-ArtToken -UserName alice -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtConfigurationMissing,*'
            $text = $err.Exception.Message
            $text | Should -Match 'needs 5 more values'
            foreach ($field in @(
                    @{ Parameter = 'Organization'; Variable = 'ART_ORG' }
                    @{ Parameter = 'Environment'; Variable = 'ART_ENVIRONMENT' }
                    @{ Parameter = 'ProjectKey'; Variable = 'ART_PROJECT_KEY' }
                    @{ Parameter = 'ClientId'; Variable = 'ART_CLIENT_ID' }
                    @{ Parameter = 'ClientSecret'; Variable = 'ART_CLIENT_SECRET' })) {
                $text | Should -Match ([regex]::Escape("parameter -$($field.Parameter)"))
                $text | Should -Match ([regex]::Escape("environment variable $($field.Variable)"))
            }
            $text | Should -Match 'no -ConfigurationPath given'
            $err.ErrorDetails.RecommendedAction | Should -Match 'ConfigurationPath'
        }

        It 'names the file keys looked for, and leaves out what a source gave' {
            Set-TenantEnvironment @{ ART_BASE_URI = $null; ART_ENVIRONMENT = $null; ART_PROJECT_KEY = $null; ART_CLIENT_ID = $null; ART_CLIENT_SECRET = $null }
            $path = New-AdkServicesFile @{ 'Client-ID' = $emu.ClientId }
            $err = Get-ThrownError { Get-ArtToken -ConfigurationPath $path -UserName alice -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtConfigurationMissing,*'
            $text = $err.Exception.Message
            $text | Should -Match 'needs 3 more values'
            foreach ($key in 'Environment', 'ProjectKey', 'Client-Secret') {
                $text | Should -Match ([regex]::Escape("key `"$key`" in $path"))
            }
            foreach ($variable in 'ART_ENVIRONMENT', 'ART_PROJECT_KEY', 'ART_CLIENT_SECRET') {
                $text | Should -Match ([regex]::Escape("environment variable $variable"))
            }
            # Given by the environment (Organization) and by the file (ClientId): not missing.
            $text | Should -Not -Match 'ART_ORG'
            $text | Should -Not -Match 'ART_CLIENT_ID'
            $text | Should -Not -Match 'Org-Title'
        }

        It 'does not ask for client credentials when a passcode is given' {
            $passcode = ConvertTo-SecureString 'some-passcode' -AsPlainText -Force
            $err = Get-ThrownError { Get-ArtToken -Passcode $passcode -UserName alice -Organization $emu.Organization -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ArtConfigurationMissing,*'
            $text = $err.Exception.Message
            $text | Should -Match 'needs 2 more values'
            $text | Should -Match 'ART_ENVIRONMENT'
            $text | Should -Match 'ART_PROJECT_KEY'
            $text | Should -Not -Match 'ClientSecret'
            $text | Should -Not -Match 'ClientId'
        }

        It 'sends nothing when values are missing' {
            Clear-TestEmulator -Emulator $emu
            $null = Get-ThrownError { New-ArtPasscode -UserName alice -ErrorAction Stop }
            $stats = Get-Stats
            ($stats.passcode + $stats.token) | Should -Be 0
        }
    }
}
