# Secret safety: every cmdlet, successes and failures, with -Verbose and -Debug, inside a
# transcript. Everything a user could see or save (all six streams, $Error in full, every
# output formatted, as JSON and as CLIXML, the transcript) is searched for the client secret,
# the passcode and every access and refresh token, as text, hex and base64. None may appear.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    Import-ArtRestUnderTest

    # ------------------------------------------------------------ the scan

    # Base64 of the value at each of the three byte alignments inside a longer blob: the
    # characters that depend on the value's bytes only (so they appear whatever surrounds it).
    function script:Get-Base64Core([byte[]]$Bytes) {
        foreach ($offset in 0, 1, 2) {
            $padded = [byte[]]::new($offset) + $Bytes
            $text = [Convert]::ToBase64String([byte[]]$padded)
            $start = [int][Math]::Ceiling(8 * $offset / 6)
            $end = [int][Math]::Floor(8 * ($offset + $Bytes.Length) / 6)
            $core = $text.Substring($start, $end - $start)
            $core
            $core.Replace('+', '-').Replace('/', '_')   # base64url
        }
    }

    # Every form a secret could take in text: itself, hex of UTF-8 and UTF-16LE (SecureString
    # in CLIXML on Linux), base64 of UTF-8 and UTF-16LE. Returns @{ Form; Text; IgnoreCase }.
    function script:Get-SecretForm([string]$Value) {
        $utf8 = [Text.Encoding]::UTF8.GetBytes($Value)
        $utf16 = [Text.Encoding]::Unicode.GetBytes($Value)
        [pscustomobject]@{ Form = 'plain'; Text = $Value; IgnoreCase = $false }
        [pscustomobject]@{ Form = 'utf8-hex'; Text = [Convert]::ToHexString($utf8); IgnoreCase = $true }
        [pscustomobject]@{ Form = 'utf16le-hex'; Text = [Convert]::ToHexString($utf16); IgnoreCase = $true }
        Get-Base64Core $utf8 | Sort-Object -Unique | ForEach-Object { [pscustomobject]@{ Form = 'base64-utf8'; Text = $_; IgnoreCase = $false } }
        Get-Base64Core $utf16 | Sort-Object -Unique | ForEach-Object { [pscustomobject]@{ Form = 'base64-utf16le'; Text = $_; IgnoreCase = $false } }
    }

    # Hits of any secret (name => value) in any text (source => text).
    function script:Find-Secret([System.Collections.IDictionary]$Secrets, [System.Collections.IDictionary]$Corpus) {
        foreach ($name in $Secrets.Keys) {
            foreach ($form in Get-SecretForm $Secrets[$name]) {
                $comparison = if ($form.IgnoreCase) { [StringComparison]::OrdinalIgnoreCase } else { [StringComparison]::Ordinal }
                foreach ($source in $Corpus.Keys) {
                    $text = [string]$Corpus[$source]
                    $at = $text.IndexOf($form.Text, $comparison)
                    if ($at -ge 0) {
                        "$name as $($form.Form) in $source at $at"
                    }
                }
            }
        }
    }

    # ------------------------------------------------------------ the scenario

    $script:items = [System.Collections.Generic.List[object]]::new()     # all six streams, merged
    $script:outputs = [System.Collections.Generic.List[object]]::new()   # pipeline output only
    $script:sessions = [System.Collections.Generic.List[object]]::new()  # every session held
    $script:seen = [ordered]@{}                                          # name => secret value

    function script:Read-Secret([securestring]$Secure) {
        if ($null -eq $Secure -or $Secure.Length -eq 0) { return $null }
        ConvertFrom-SecureString -SecureString $Secure -AsPlainText
    }

    # Records every token and passcode the held sessions have now (tokens change on refresh).
    function script:Save-SessionSecret {
        foreach ($s in $sessions) {
            foreach ($kind in 'AccessToken', 'RefreshToken', 'Passcode') {
                $value = Read-Secret $s.$kind
                if ($value -and -not $seen.Contains("value:$value")) {
                    $seen["value:$value"] = $true
                    $seen["$kind #$($seen.Count)"] = $value
                }
            }
        }
    }

    # Runs one step with every stream merged into $items; outputs and sessions are kept.
    function script:Invoke-Step([string]$Name, [scriptblock]$Step) {
        try {
            & $Step *>&1 | ForEach-Object {
                $items.Add($_)
                if ($_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.InformationalRecord] -and
                    $_ -isnot [System.Management.Automation.InformationRecord]) {
                    $outputs.Add($_)
                }
                if ($_ -is [ArtRest.Client.ArtSession]) { $sessions.Add($_) }
            }
        }
        catch {
            $items.Add($_)
        }
        Save-SessionSecret
    }

    function script:Add-Fault([hashtable]$Rule) {
        $null = Invoke-RestMethod -Method POST -Uri "$($emu.AdminUri)/faults" -ContentType 'application/json' `
            -Body ($Rule | ConvertTo-Json -Compress) -Verbose:$false -Debug:$false
    }

    $script:transcriptPath = Join-Path $TestDrive 'transcript.txt'
    $wrongSecret = 'wrong-' + [guid]::NewGuid().ToString('N')
    $wrongSecure = ConvertTo-SecureString $wrongSecret -AsPlainText -Force
    $wrongCredential = [pscredential]::new($emu.ClientId, $wrongSecure)
    $credential = $emu.Credential
    $identity = @{
        BaseUri = $emu.BaseUri; Organization = $emu.Organization; Environment = $emu.Environment; ProjectKey = $emu.ProjectKey
    }

    $global:Error.Clear()
    $savedPreferences = $VerbosePreference, $DebugPreference
    $null = Start-Transcript -Path $transcriptPath -Force
    try {
        $VerbosePreference = 'Continue'
        $DebugPreference = 'Continue'

        # Successes.
        Invoke-Step 'passcode' { New-ArtPasscode @identity -Credential $credential -UserName alice -Verbose -Debug }
        $passcode = $sessions[-1]
        Invoke-Step 'token' { $passcode | Get-ArtToken -Verbose -Debug }
        Invoke-Step 'connection' { $sessions[-1] | New-ArtConnection -Verbose -Debug }
        $connected = $sessions[-1]
        Invoke-Step 'push' {
            'one', 'two', 'three' | ForEach-Object { [pscustomobject]@{ Channel = 'ops'; Content = "secret-scan $_"; To = 'bob' } } |
                Send-ArtMessage -Session $connected -ThrottleLimit 2 -Verbose -Debug
        }
        Invoke-Step 'push object content' { Send-ArtMessage -Session $connected -Channel ops -Content @{ n = 1; list = 1, 2 } -Verbose -Debug }
        Invoke-Step 'refresh' { Get-ArtToken -Session $connected -Refresh -Verbose -Debug }
        Invoke-Step 'default session' { Get-ArtSession -Verbose -Debug }
        Invoke-Step 'token by passcode' { Get-ArtToken @identity -ClientId $emu.ClientId -Passcode $passcode.Passcode -UserName alice -Verbose -Debug }
        Invoke-Step 'connection by passcode' { $sessions[-1] | New-ArtConnection -Verbose -Debug }
        Invoke-Step 'token by credential' { Get-ArtToken @identity -Credential $credential -UserName carol -Verbose -Debug }

        # A 401 on push forces a refresh; then a 401 on push and on refresh forces a sign-in again.
        Add-Fault @{ path = '/v1/push-message'; status = 401; count = 1 }
        Invoke-Step '401 on push' { Send-ArtMessage -Session $connected -Channel ops -Content 'after 401' -Verbose -Debug }
        Add-Fault @{ path = '/v1/push-message'; status = 401; count = 1 }
        Add-Fault @{ path = '/auth/token/refresh'; status = 401; count = 1 }
        Invoke-Step '401 on push and refresh' { Send-ArtMessage -Session $connected -Channel ops -Content 'after sign-in' -Verbose -Debug }

        # A token about to expire is renewed before the push.
        $null = Set-TestEmulatorSetting -Emulator $emu -TokenLifetimeSeconds 2 -Verbose:$false -Debug:$false
        Invoke-Step 'short-lived token' { New-ArtPasscode @identity -Credential $credential -UserName dave -Verbose -Debug | Get-ArtToken -Verbose -Debug | New-ArtConnection -Verbose -Debug }
        $short = $sessions[-1]
        $null = Set-TestEmulatorSetting -Emulator $emu -TokenLifetimeSeconds 3600 -Verbose:$false -Debug:$false
        Start-Sleep -Milliseconds 2200
        Invoke-Step 'push with expired token' { Send-ArtMessage -Session $short -Channel ops -Content 'renewed ahead' -Verbose -Debug }

        # Failures.
        Invoke-Step 'wrong secret, passcode' { New-ArtPasscode @identity -Credential $wrongCredential -UserName alice -Verbose -Debug }
        Invoke-Step 'wrong secret, token' { Get-ArtToken @identity -ClientId $emu.ClientId -ClientSecret $wrongSecure -UserName alice -Verbose -Debug }
        Invoke-Step 'rbac' { Send-ArtMessage -Session $connected -Channel restricted -Content 'not allowed' -Verbose -Debug }
        Add-Fault @{ path = '/auth/token'; kind = 'hang'; count = 1 }
        Invoke-Step 'token timeout' { $passcode | Get-ArtToken -TimeoutSec 1 -MaximumRetryCount 0 -Verbose -Debug }
        Add-Fault @{ path = '/v1/push-message'; kind = 'hang'; count = 1 }
        Invoke-Step 'push timeout' { Send-ArtMessage -Session $connected -Channel ops -Content 'hung' -TimeoutSec 1 -Verbose -Debug }
        Add-Fault @{ path = '/auth/token/refresh'; status = 500; count = 1 }
        Invoke-Step 'refresh failure' { Get-ArtToken -Session $connected -Refresh -MaximumRetryCount 0 -Verbose -Debug }
        Add-Fault @{ path = '/v1/connect/new-connection'; kind = 'error-in-200'; count = 1 }
        Invoke-Step 'connection failure' { $connected | New-ArtConnection -MaximumRetryCount 0 -Verbose -Debug }
        Invoke-Step 'bad input: empty recipient' { Send-ArtMessage -Session $connected -Channel ops -Content x -To 'bob;' -Verbose -Debug }
        Invoke-Step 'bad input: blank channel' { Send-ArtMessage -Session $connected -Channel ' ' -Content x -Verbose -Debug }
        Invoke-Step 'bad input: two credentials' { Get-ArtToken @identity -Credential $credential -ClientId x -UserName alice -Verbose -Debug }
        Invoke-Step 'bad input: no token yet' { $passcode | New-ArtConnection -Verbose -Debug }

        # What a user would see on screen goes into the transcript too.
        $items | Out-Host
    }
    finally {
        $VerbosePreference, $DebugPreference = $savedPreferences
        $null = Stop-Transcript
    }
    Save-SessionSecret

    $script:secrets = [ordered]@{ 'client secret' = $emu.ClientSecret; 'wrong client secret' = $wrongSecret }
    foreach ($key in @($seen.Keys)) {
        if ($key -notlike 'value:*') { $secrets[$key] = $seen[$key] }
    }

    # ------------------------------------------------------------ the text to search

    $script:corpus = [ordered]@{}
    $n = 0
    foreach ($item in $items) {
        $n++
        $corpus["stream item $n ($($item.GetType().Name))"] = ($item | Out-String -Width 4096) + "`n" + $(if ($item -is [System.Management.Automation.InformationalRecord]) { $item.Message })
    }
    $n = 0
    $script:errorRecords = @($global:Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    foreach ($record in $global:Error) {
        $n++
        $text = [System.Text.StringBuilder]::new()
        $null = $text.AppendLine(($record | Format-List * -Force | Out-String -Width 4096))
        if ($record -is [System.Management.Automation.ErrorRecord]) {
            $null = $text.AppendLine(($record | Out-String -Width 4096))
            $null = $text.AppendLine(($record | Get-Error | Out-String -Width 4096))
            $null = $text.AppendLine(($record.ErrorDetails | Format-List * -Force | Out-String -Width 4096))
            $null = $text.AppendLine(($record.InvocationInfo | Format-List * -Force | Out-String -Width 4096))
            for ($e = $record.Exception; $e; $e = $e.InnerException) {
                $null = $text.AppendLine(($e | Format-List * -Force | Out-String -Width 4096))
                $null = $text.AppendLine($e.ToString())
            }
            if ($record.TargetObject -isnot [ArtRest.Client.ArtSession]) {
                $file = Join-Path $TestDrive "error-$n.clixml"
                $record | Export-Clixml -Path $file -Depth 5
                $null = $text.AppendLine((Get-Content -Raw $file))
            }
        }
        $corpus["`$Error[$n]"] = $text.ToString()
    }
    $n = 0
    foreach ($output in $outputs) {
        $n++
        $text = ($output | Format-List * -Force | Out-String -Width 4096) + "`n" + ($output | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue)
        if ($output -isnot [ArtRest.Client.ArtSession]) {
            $file = Join-Path $TestDrive "output-$n.clixml"
            $output | Export-Clixml -Path $file
            $text += "`n" + (Get-Content -Raw $file)
        }
        $corpus["output $n ($($output.GetType().Name))"] = $text
    }
    $corpus['transcript'] = Get-Content -Raw $transcriptPath

    $script:debugText = @($items | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
    $script:verboseText = @($items | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
    $script:errorIds = @($items | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object FullyQualifiedErrorId)
}

AfterAll {
    $emu | Stop-TestEmulator
}

Describe 'The secret scan itself' {
    It 'finds a secret written as plain text' {
        $hits = @(Find-Secret @{ probe = $emu.ClientSecret } @{ sample = "header Client-Secret: $($emu.ClientSecret) sent" })
        $hits | Should -HaveCount 1
        $hits[0] | Should -Match 'plain'
    }

    It 'finds a SecureString exported as CLIXML (UTF-16LE hex on this platform or in any case)' {
        $hex = [Convert]::ToHexString([Text.Encoding]::Unicode.GetBytes($emu.ClientSecret)).ToLowerInvariant()
        $sample = "<Objs><SS>$hex</SS></Objs>"
        @(Find-Secret @{ probe = $emu.ClientSecret } @{ sample = $sample }) -join '; ' | Should -Match 'utf16le-hex'
        if (-not $IsWindows) {
            $file = Join-Path $TestDrive 'control.clixml'
            $emu.Credential | Export-Clixml -Path $file
            @(Find-Secret @{ probe = $emu.ClientSecret } @{ clixml = Get-Content -Raw $file }) | Should -Not -BeNullOrEmpty
        }
    }

    It 'finds a secret base64-encoded inside a longer blob, at any alignment' {
        foreach ($prefix in '', 'a', 'ab') {
            foreach ($encoding in [Text.Encoding]::UTF8, [Text.Encoding]::Unicode) {
                $blob = [Convert]::ToBase64String($encoding.GetBytes("$prefix{""client_secret"":""$($emu.ClientSecret)""}"))
                @(Find-Secret @{ probe = $emu.ClientSecret } @{ sample = $blob }) | Should -Not -BeNullOrEmpty -Because "prefix '$prefix', $($encoding.EncodingName)"
            }
        }
    }

    It 'finds nothing where there is nothing' {
        @(Find-Secret @{ probe = $emu.ClientSecret } @{ sample = 'Client-Secret: *** and Authorization: Bearer ***' }) | Should -BeNullOrEmpty
    }
}

Describe 'No secret in anything a user can see or save' {
    It 'ran every cmdlet, successes and failures, and collected text from every source' {
        $errorIds | Should -Contain 'ArtInvalidCredentials,ArtRest.Commands.NewArtPasscodeCommand'
        $errorIds | Should -Contain 'ArtInvalidCredentials,ArtRest.Commands.GetArtTokenCommand'
        $errorIds | Should -Contain 'ArtRbacForbidden,ArtRest.Commands.SendArtMessageCommand'
        $errorIds | Should -Contain 'ArtTimeout,ArtRest.Commands.GetArtTokenCommand'
        $errorIds | Should -Contain 'ArtPushOutcomeUnknown,ArtRest.Commands.SendArtMessageCommand'
        $errorIds | Should -Contain 'ArtInvalidParameter,ArtRest.Commands.SendArtMessageCommand'
        $errorIds | Should -Contain 'ArtInvalidParameter,ArtRest.Commands.GetArtTokenCommand'
        $errorIds | Should -Contain 'ArtSessionStageMissing,ArtRest.Commands.NewArtConnectionCommand'
        @($outputs | Where-Object { $_ -is [ArtRest.Client.ArtMessageResult] }).Count | Should -BeGreaterOrEqual 7
        @($verboseText -match 'refus') | Should -Not -BeNullOrEmpty -Because 'a 401 on push renewed the token'
        @($verboseText -match 'Signing in again') | Should -Not -BeNullOrEmpty
        $corpus['transcript'].Contains('HTTP request: POST') | Should -BeTrue -Because 'the transcript holds the debug trace'
        $corpus['transcript'].Contains('[RBAC] Access forbidden') | Should -BeTrue -Because 'the transcript holds the errors'
        $errorRecords.Count | Should -BeGreaterOrEqual 8
    }

    It 'collected the secrets to look for: the client secret, the passcode, several access and refresh tokens' {
        $secrets['client secret'] | Should -Not -BeNullOrEmpty
        @($secrets.Keys -like 'Passcode*').Count | Should -BeGreaterOrEqual 1
        @($secrets.Keys -like 'AccessToken*').Count | Should -BeGreaterOrEqual 4 -Because 'sign-in, refreshes and sign-in again each gave a new token'
        @($secrets.Keys -like 'RefreshToken*').Count | Should -BeGreaterOrEqual 4
        foreach ($key in @($secrets.Keys)) { $secrets[$key].Length | Should -BeGreaterThan 6 -Because "$key is long enough to search for" }
    }

    It 'would catch a leak of any of those secrets in that text (planted control)' {
        foreach ($key in @($secrets.Keys)) {
            $planted = [ordered]@{}
            foreach ($source in $corpus.Keys) { $planted[$source] = $corpus[$source] }
            $planted['transcript'] += "`nleaked: $($secrets[$key])`n"
            $hits = @(Find-Secret ([ordered]@{ $key = $secrets[$key] }) $planted)
            ($hits -join '; ') | Should -Match "^$([regex]::Escape($key)) as plain in transcript" -Because "$key planted in the transcript"
        }
    }

    It 'searched a substantial amount of text from every kind of source' {
        $corpus.Count | Should -BeGreaterThan 50
        @($corpus.Keys -like 'stream item*').Count | Should -BeGreaterThan 30
        @($corpus.Keys -like '$Error*').Count | Should -BeGreaterOrEqual 8
        @($corpus.Keys -like 'output*').Count | Should -BeGreaterOrEqual 10
        ($corpus.Values | Measure-Object -Property Length -Sum).Sum | Should -BeGreaterThan 100000
        $corpus['transcript'].Length | Should -BeGreaterThan 5000
    }

    It 'shows no secret, in any form, anywhere' {
        $hits = @(Find-Secret $secrets $corpus)
        $hits | Should -BeNullOrEmpty
    }

    It 'the -Debug trace shows the request headers with *** for Client-Secret, T-pass and Authorization' {
        $requests = @($debugText -match '^HTTP request:')
        $requests.Count | Should -BeGreaterThan 10
        @($requests -match '(?m)^\s+Client-Secret: \*\*\*$') | Should -Not -BeNullOrEmpty
        @($requests -match '(?m)^\s+Authorization: Bearer \*\*\*$') | Should -Not -BeNullOrEmpty
        @($requests -match '(?m)^\s+T-pass: \*\*\*$') | Should -Not -BeNullOrEmpty
        @($requests -match '(?m)^\s+Client-Id: demo-client-id$') | Should -Not -BeNullOrEmpty
        foreach ($request in $requests) {
            foreach ($line in $request -split "`n" | Where-Object { $_ -match '^\s+(Client-Secret|T-pass|Authorization):' }) {
                $line | Should -Match '^\s+(Client-Secret|T-pass): \*\*\*$|^\s+Authorization: Bearer \*\*\*$'
            }
        }
    }

    It 'the -Debug trace hides token, passcode and refresh-token values in bodies' {
        @($debugText -match '"access_token":"\*\*\*"') | Should -Not -BeNullOrEmpty
        @($debugText -match '"refresh_token":"\*\*\*"') | Should -Not -BeNullOrEmpty
        @($debugText -match '"passcode":"\*\*\*"') | Should -Not -BeNullOrEmpty
    }
}

Describe 'A server that echoes a token in its error text' {
    BeforeAll {
        $script:echoSession = New-TestSession -Emulator $emu -UserName echo
        Clear-TestEmulator -Emulator $emu
    }
    AfterAll {
        Clear-TestEmulator -Emulator $emu
    }

    # RawBody is redacted (JWT-shaped text becomes ***); the same server text must not come
    # back unredacted through the message, the error details or ServerError/ServerMessage.
    It 'does not show the access token in the ErrorRecord (field "<Field>")' -ForEach @(
        @{ Field = 'error' }
        @{ Field = 'message' }
    ) {
        $token = ConvertFrom-SecureString -SecureString $echoSession.AccessToken -AsPlainText
        $body = @{ $Field = "token rejected: $token" } | ConvertTo-Json -Compress
        $null = Invoke-RestMethod -Method POST -Uri "$($emu.AdminUri)/faults" -ContentType 'application/json' `
            -Body (@{ path = '/v1/push-message'; status = 400; count = 1; body = $body } | ConvertTo-Json -Compress)
        Send-ArtMessage -Session $echoSession -Channel ops -Content 'echo' -ErrorAction SilentlyContinue -ErrorVariable errs
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'ArtBadRequest,ArtRest.Commands.SendArtMessageCommand'
        $errs[0].Exception.RawBody | Should -Not -BeNullOrEmpty
        $errs[0].Exception.RawBody.Contains($token) | Should -BeFalse -Because 'RawBody is redacted'

        $text = [ordered]@{
            'record'        = $errs[0] | Format-List * -Force | Out-String -Width 4096
            'default view'  = $errs[0] | Out-String -Width 4096
            'exception'     = $errs[0].Exception | Format-List * -Force | Out-String -Width 4096
            'error details' = $errs[0].ErrorDetails | Format-List * -Force | Out-String -Width 4096
        }
        @(Find-Secret @{ 'access token' = $token } $text) | Should -BeNullOrEmpty
    }
}
