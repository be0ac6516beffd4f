# Every documented ART error status arrives as an ErrorRecord a script can act on: the full
# ErrorId, the category, the failed item as TargetObject, the server's words in ErrorDetails,
# a recommended action, and the exception's status, server fields and raw body.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:emu = Start-TestEmulator
    $null = Import-ArtRestUnderTest

    $script:tenant = $emu.Tenant
    $script:session = New-TestSession -Emulator $emu -UserName alice

    function script:Get-Stats { Get-TestEmulatorStats -Emulator $emu }

    # What every ErrorRecord from an ART answer has, whatever the status.
    function script:Assert-ArtErrorRecord {
        param(
            [Parameter(Mandatory)][System.Management.Automation.ErrorRecord]$Record,
            [Parameter(Mandatory)][string]$ErrorId,
            [Parameter(Mandatory)][string]$Cmdlet,
            [Parameter(Mandatory)][System.Management.Automation.ErrorCategory]$Category,
            [Parameter(Mandatory)][int]$StatusCode,
            [Parameter(Mandatory)][string]$ServerText
        )
        $Record.FullyQualifiedErrorId | Should -BeExactly "$ErrorId,ArtRest.Commands.${Cmdlet}Command"
        $Record.CategoryInfo.Category | Should -Be $Category
        $Record.Exception | Should -BeOfType ([ArtRest.Client.ArtApiException])
        $Record.Exception.StatusCode | Should -Be $StatusCode
        $Record.ErrorDetails | Should -Not -BeNullOrEmpty
        $Record.ErrorDetails.Message.Contains($ServerText) | Should -BeTrue -Because "ErrorDetails.Message '$($Record.ErrorDetails.Message)' should quote the server: '$ServerText'"
        $Record.ErrorDetails.Message | Should -BeLike "*$StatusCode*"
        $Record.TargetObject | Should -Not -BeNullOrEmpty
        $Record.TargetObject | Should -Not -BeOfType ([System.Management.Automation.Cmdlet])
    }

    # The default error view shows this as "Recommendation:": every ART error should have one.
    function script:Assert-RecommendedAction([System.Management.Automation.ErrorRecord]$Record) {
        $Record | Should -Not -BeNullOrEmpty
        $Record.ErrorDetails | Should -Not -BeNullOrEmpty
        $Record.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty -Because "the $($Record.FullyQualifiedErrorId) error should tell the user what to do about it"
    }

    # A push's TargetObject is the message: Channel, Event, Content and To.
    function script:Assert-MessageTarget {
        param($Target, [string]$Channel, [string]$Event = 'message', [string]$Content, [string]$To = '')
        $Target | Should -Not -BeNullOrEmpty
        $Target | Should -Not -BeOfType ([System.Management.Automation.Cmdlet])
        $Target.Channel | Should -BeExactly $Channel
        $Target.Event | Should -BeExactly $Event
        $Target.Content | Should -BeExactly $Content
        (@($Target.To) -join ',') | Should -BeExactly $To
    }

    function script:Send-Failing {
        # One push with no retries; returns @{ Results; Errors }.
        param([string]$Channel = 'ops', [string]$Content = 'payload', [string[]]$To)
        $extra = @{}
        if ($To) { $extra.To = $To }
        $results = @(Send-ArtMessage -Session $session -Channel $Channel -Content $Content @extra -MaximumRetryCount 0 `
                -ErrorVariable pushErrors -ErrorAction SilentlyContinue)
        @{ Results = $results; Errors = @($pushErrors) }
    }
}

AfterAll {
    Clear-ArtSession
    $emu | Stop-TestEmulator
}

Describe 'A push the server refuses (<Name>)' -ForEach @(
    @{ Name = '400 missing tenant'; Status = 400; Body = '{"error":"Missing tenant or Org-Title"}'; ErrorId = 'ArtMissingTenant'; Category = 'InvalidArgument'; Text = 'Missing tenant or Org-Title' }
    @{ Name = '400 bad request'; Status = 400; Body = '{"error":"channel is required"}'; ErrorId = 'ArtBadRequest'; Category = 'InvalidArgument'; Text = 'channel is required' }
    @{ Name = '403 forbidden'; Status = 403; Body = '{"error":"Forbidden"}'; ErrorId = 'ArtForbidden'; Category = 'PermissionDenied'; Text = 'Forbidden' }
    @{ Name = '404 not found'; Status = 404; Body = '{"error":"Connection not found"}'; ErrorId = 'ArtNotFound'; Category = 'ObjectNotFound'; Text = 'Connection not found' }
    @{ Name = '429 rate limited'; Status = 429; Body = '{"error":"Too many requests"}'; ErrorId = 'ArtRateLimited'; Category = 'LimitsExceeded'; Text = 'Too many requests' }
    @{ Name = '503 unavailable'; Status = 503; Body = '{"error":"Service unavailable"}'; ErrorId = 'ArtServiceUnavailable'; Category = 'ConnectionError'; Text = 'Service unavailable' }
    @{ Name = '500 server error'; Status = 500; Body = '{"error":"Failed to get WebSocket backend"}'; ErrorId = 'ArtPushOutcomeUnknown'; Category = 'ConnectionError'; Text = 'Failed to get WebSocket backend' }
) {
    BeforeEach {
        Clear-TestEmulator -Emulator $emu
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status $Status -Body $Body
    }

    It 'is one non-terminating ErrorRecord with the ErrorId, category, server text and action' {
        $outcome = Send-Failing -Channel ops -Content 'disk full' -To bob, carol

        $outcome.Results | Should -HaveCount 0
        $outcome.Errors | Should -HaveCount 1
        Assert-ArtErrorRecord $outcome.Errors[0] -ErrorId $ErrorId -Cmdlet SendArtMessage -Category $Category -StatusCode $Status -ServerText $Text
    }

    It 'recommends what to do (ErrorDetails.RecommendedAction)' {
        Assert-RecommendedAction (Send-Failing).Errors[0]
    }

    It 'targets the message (Channel, Event, Content, To), not the cmdlet' {
        $outcome = Send-Failing -Channel ops -Content 'disk full' -To bob, carol
        Assert-MessageTarget $outcome.Errors[0].TargetObject -Channel ops -Content 'disk full' -To 'bob,carol'
    }

    It 'keeps the body in the exception''s RawBody and the server''s fields' {
        $outcome = Send-Failing
        $exception = $outcome.Errors[0].Exception
        $exception.RawBody | Should -BeExactly $Body
        $exception.ServerError | Should -BeExactly $Text
        $exception.Endpoint | Should -BeExactly '/v1/push-message'
        $exception.Method | Should -BeExactly 'POST'
    }

    It 'throws <ErrorId> with -ErrorAction Stop' {
        { Send-ArtMessage -Session $session -Channel ops -Content x -MaximumRetryCount 0 -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,ArtRest.Commands.SendArtMessageCommand"
    }

    It 'stores no message' {
        $null = Send-Failing
        @(Get-TestEmulatorMessage -Emulator $emu) | Should -HaveCount 0
        (Get-Stats).push | Should -Be 1
    }
}

Describe 'Sign-in failures' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It 'a wrong client secret is 401 ArtInvalidCredentials (AuthenticationError)' {
        $wrong = ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force
        $out = @(New-ArtPasscode @tenant -ClientId $emu.ClientId -ClientSecret $wrong -UserName alice -ErrorVariable err -ErrorAction SilentlyContinue)

        $out | Should -HaveCount 0
        $err | Should -HaveCount 1
        Assert-ArtErrorRecord $err[0] -ErrorId ArtInvalidCredentials -Cmdlet NewArtPasscode -Category AuthenticationError -StatusCode 401 -ServerText 'Invalid token'
        # The input given: the user name, not the identity built from it (which holds the client secret).
        $err[0].TargetObject | Should -BeExactly 'alice'
        $err[0].Exception.RawBody | Should -BeExactly '{"error":"Invalid token"}'
        (Get-Stats).passcode | Should -Be 1
    }

    It '<Name> recommends what to do (ErrorDetails.RecommendedAction)' -TestCases @(
        @{ Name = 'a wrong client secret (401)'; Fault = $null; Org = 'demo-org'; Secret = 'wrong' }
        @{ Name = 'an unknown tenant (404)'; Fault = $null; Org = 'no-such-org'; Secret = 'demo-client-secret' }
        @{ Name = 'a server error (500)'; Fault = 500; Org = 'demo-org'; Secret = 'demo-client-secret' }
    ) {
        param($Name, $Fault, $Org, $Secret)
        if ($Fault) { $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/connect/passcode' -Status $Fault }
        $credential = [pscredential]::new($emu.ClientId, (ConvertTo-SecureString $Secret -AsPlainText -Force))
        $null = New-ArtPasscode -BaseUri $emu.BaseUri -Organization $Org -Environment dev -ProjectKey demo-project `
            -Credential $credential -UserName alice -MaximumRetryCount 0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        Assert-RecommendedAction $err[0]
    }

    It 'a wrong client secret on Get-ArtToken throws ArtInvalidCredentials with -ErrorAction Stop' {
        $wrong = [pscredential]::new($emu.ClientId, (ConvertTo-SecureString 'nope' -AsPlainText -Force))
        { Get-ArtToken @tenant -Credential $wrong -UserName alice -ErrorAction Stop } |
            Should -Throw -ErrorId 'ArtInvalidCredentials,ArtRest.Commands.GetArtTokenCommand'
        (Get-Stats).token | Should -Be 1
    }

    It 'an unknown tenant is 404 ArtNotFound (ObjectNotFound)' {
        $null = New-ArtPasscode -BaseUri $emu.BaseUri -Organization no-such-org -Environment dev -ProjectKey demo-project `
            -Credential $emu.Credential -UserName alice -ErrorVariable err -ErrorAction SilentlyContinue

        $err | Should -HaveCount 1
        Assert-ArtErrorRecord $err[0] -ErrorId ArtNotFound -Cmdlet NewArtPasscode -Category ObjectNotFound -StatusCode 404 -ServerText 'Tenant not found'
        $err[0].TargetObject | Should -BeExactly 'alice'
        { New-ArtPasscode -BaseUri $emu.BaseUri -Organization no-such-org -Environment dev -ProjectKey demo-project `
                -Credential $emu.Credential -UserName alice -ErrorAction Stop } |
            Should -Throw -ErrorId 'ArtNotFound,ArtRest.Commands.NewArtPasscodeCommand'
    }

    It 'a 400 missing tenant on the passcode endpoint is ArtMissingTenant (InvalidArgument)' {
        $body = '{"error":"Missing tenant or Org-Title"}'
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/connect/passcode' -Status 400 -Body $body
        $null = New-ArtPasscode @tenant -Credential $emu.Credential -UserName alice -ErrorVariable err -ErrorAction SilentlyContinue

        $err | Should -HaveCount 1
        Assert-ArtErrorRecord $err[0] -ErrorId ArtMissingTenant -Cmdlet NewArtPasscode -Category InvalidArgument -StatusCode 400 -ServerText 'Missing tenant or Org-Title'
        $err[0].Exception.RawBody | Should -BeExactly $body
        (Get-Stats).passcode | Should -Be 1 -Because 'a 400 is not retried'
    }

    It 'a 500 on the token endpoint is ArtServerError (InvalidResult) with retries off' {
        $passcode = New-TestSession -Emulator $emu -Stage Passcode
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/auth/token' -Status 500 -Body '{"error":"Failed to get WebSocket backend"}'

        $out = @($passcode | Get-ArtToken -MaximumRetryCount 0 -ErrorVariable err -ErrorAction SilentlyContinue)

        $out | Should -HaveCount 0
        $err | Should -HaveCount 1
        Assert-ArtErrorRecord $err[0] -ErrorId ArtServerError -Cmdlet GetArtToken -Category InvalidResult -StatusCode 500 -ServerText 'Failed to get WebSocket backend'
        $err[0].TargetObject.Stage | Should -Be 'Passcode'
        (Get-Stats).token | Should -Be 1
    }

    It 'a 500 on the token endpoint is ArtServerError after the retries run out' {
        $passcode = New-TestSession -Emulator $emu -Stage Passcode
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/auth/token' -Status 500 -Count 2

        { $passcode | Get-ArtToken -MaximumRetryCount 1 -RetryIntervalSec 0 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ArtServerError,ArtRest.Commands.GetArtTokenCommand'
        (Get-Stats).token | Should -Be 2
    }

    It 'a single 500 on the token endpoint is retried and succeeds' {
        $passcode = New-TestSession -Emulator $emu -Stage Passcode
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/auth/token' -Status 500 -Count 1

        $token = $passcode | Get-ArtToken -MaximumRetryCount 1 -RetryIntervalSec 0 -ErrorAction Stop
        $token.Stage | Should -Be 'Token'
        (Get-Stats).token | Should -Be 2
    }

    It 'a 503 on the token endpoint is ArtServiceUnavailable (ConnectionError)' {
        $passcode = New-TestSession -Emulator $emu -Stage Passcode
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/auth/token' -Status 503
        { $passcode | Get-ArtToken -MaximumRetryCount 0 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ArtServiceUnavailable,ArtRest.Commands.GetArtTokenCommand'
    }

    It 'a 429 on the connection endpoint is ArtRateLimited (LimitsExceeded)' {
        $token = New-TestSession -Emulator $emu -Stage Token
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/connect/new-connection' -Status 429 -Body '{"error":"Slow down"}'
        $null = $token | New-ArtConnection -MaximumRetryCount 0 -ErrorVariable err -ErrorAction SilentlyContinue

        $err | Should -HaveCount 1
        Assert-ArtErrorRecord $err[0] -ErrorId ArtRateLimited -Cmdlet NewArtConnection -Category LimitsExceeded -StatusCode 429 -ServerText 'Slow down'
    }
}

Describe 'A rejected token' {
    BeforeEach { Clear-TestEmulator -Emulator $emu }

    It 'a 401 on a push that persists after one renewal is ArtInvalidToken (AuthenticationError)' {
        $s = New-TestSession -Emulator $emu
        Clear-TestEmulator -Emulator $emu
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 401 -Count 2 -Body '{"error":"Invalid token"}'

        $out = @(Send-ArtMessage -Session $s -Channel ops -Content 'try twice' -ErrorVariable err -ErrorAction SilentlyContinue)

        $out | Should -HaveCount 0
        $err | Should -HaveCount 1
        Assert-ArtErrorRecord $err[0] -ErrorId ArtInvalidToken -Cmdlet SendArtMessage -Category AuthenticationError -StatusCode 401 -ServerText 'Invalid token'
        Assert-MessageTarget $err[0].TargetObject -Channel ops -Content 'try twice'
        $stats = Get-Stats
        $stats.push | Should -Be 2 -Because 'the push is tried once more after renewing the token, and no more'
        ($stats.refresh + $stats.token) | Should -Be 1 -Because 'the token is renewed exactly once'
        $stats.newConnection | Should -Be 0
        @(Get-TestEmulatorMessage -Emulator $emu) | Should -HaveCount 0
    }

    It 'a single 401 on a push is healed by renewing the token' {
        $s = New-TestSession -Emulator $emu
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 401 -Count 1 -Body '{"error":"Invalid token"}'

        $r = Send-ArtMessage -Session $s -Channel ops -Content 'second try' -ErrorAction Stop
        $r.ServerMessage | Should -BeExactly 'Message processed successfully'
        @(Get-TestEmulatorMessage -Emulator $emu).content | Should -BeExactly 'second try'
    }
}

Describe 'RBAC denial' {
    BeforeAll {
        Clear-TestEmulator -Emulator $emu
        $null = Send-ArtMessage -Session $session -Channel restricted -Content 'secret plans' -To bob -ErrorVariable rbacErrors -ErrorAction SilentlyContinue
        $script:rbac = @($rbacErrors)
    }

    It 'is ArtRbacForbidden (PermissionDenied) with the server''s message and an action' {
        $rbac | Should -HaveCount 1
        Assert-ArtErrorRecord $rbac[0] -ErrorId ArtRbacForbidden -Cmdlet SendArtMessage -Category PermissionDenied -StatusCode 403 -ServerText '[RBAC] Access forbidden'
        $rbac[0].ErrorDetails.Message | Should -BeLike "*user 'alice' may not push to channel 'restricted'*"
        Assert-MessageTarget $rbac[0].TargetObject -Channel restricted -Content 'secret plans' -To bob
    }

    It 'recommends what to do (ErrorDetails.RecommendedAction)' {
        Assert-RecommendedAction $rbac[0]
    }

    It 'exposes StatusCode, ErrorCode, ServerMessage and the errors items' {
        $e = $rbac[0].Exception
        $e.StatusCode | Should -Be 403
        $e.ErrorCode | Should -BeExactly ''
        $e.ServerMessage | Should -BeExactly '[RBAC] Access forbidden'
        @($e.Errors) | Should -HaveCount 1
        $e.Errors[0].reason | Should -BeExactly "user 'alice' may not push to channel 'restricted'"
        $e.Errors[0].name | Should -BeExactly 'restricted'
        $e.Errors[0].user | Should -BeExactly 'alice'
        $e.Errors[0].resource | Should -BeExactly 'channel'
        $e.Errors[0].action | Should -BeExactly 'push'
        ($e.RawBody | ConvertFrom-Json).message | Should -BeExactly '[RBAC] Access forbidden'
    }

    It 'reads the items from $_ in a catch block' {
        $reason = try {
            Send-ArtMessage -Session $session -Channel restricted -Content x -ErrorAction Stop
        }
        catch {
            $_.FullyQualifiedErrorId | Should -BeExactly 'ArtRbacForbidden,ArtRest.Commands.SendArtMessageCommand'
            $_.Exception.Errors[0].reason
        }
        $reason | Should -BeExactly "user 'alice' may not push to channel 'restricted'"
    }

    It 'throws ArtRbacForbidden with -ErrorAction Stop' {
        { Send-ArtMessage -Session $session -Channel restricted -Content x -ErrorAction Stop } |
            Should -Throw -ErrorId 'ArtRbacForbidden,ArtRest.Commands.SendArtMessageCommand'
    }

    It 'lets user admin push to the same channel' {
        $admin = New-TestSession -Emulator $emu -UserName admin
        (Send-ArtMessage -Session $admin -Channel restricted -Content ok -ErrorAction Stop).ServerMessage |
            Should -BeExactly 'Message processed successfully'
    }
}

Describe 'A failed push among several' {
    BeforeAll {
        Clear-TestEmulator -Emulator $emu
        $inputs = @(
            [pscustomobject]@{ Channel = 'ops'; Content = 'first' }
            [pscustomobject]@{ Channel = 'restricted'; Content = 'second' }
            [pscustomobject]@{ Channel = 'news'; Content = 'third' }
            [pscustomobject]@{ Channel = 'restricted'; Content = 'fourth' }
            [pscustomobject]@{ Channel = 'ops'; Content = 'fifth' }
        )
        $script:results = @($inputs | Send-ArtMessage -Session $session -ErrorVariable batchErrors -ErrorAction SilentlyContinue)
        $script:batchErrors = @($batchErrors)
    }

    It 'does not stop the others: three results, two errors' {
        $results | Should -HaveCount 3
        ($results.Content -join ',') | Should -BeExactly 'first,third,fifth'
        $batchErrors | Should -HaveCount 2
        $batchErrors.FullyQualifiedErrorId | Sort-Object -Unique | Should -BeExactly 'ArtRbacForbidden,ArtRest.Commands.SendArtMessageCommand'
    }

    It 'names each failed message as its TargetObject' {
        ($batchErrors | ForEach-Object { $_.TargetObject.Content }) -join ',' | Should -BeExactly 'second,fourth'
        $batchErrors | ForEach-Object { $_.TargetObject.Channel | Should -BeExactly 'restricted' }
    }

    It 'delivers the others' {
        (@(Get-TestEmulatorMessage -Emulator $emu).content) -join ',' | Should -BeExactly 'first,third,fifth'
    }

    It 'resends a failed message by piping its TargetObject back' {
        Clear-TestEmulator -Emulator $emu
        $null = Add-TestEmulatorFault -Emulator $emu -Path '/v1/push-message' -Status 503
        $null = Send-ArtMessage -Session $session -Channel ops -Event alert -Content again -To bob -MaximumRetryCount 0 `
            -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed | Should -HaveCount 1

        $r = $failed[0].TargetObject | Send-ArtMessage -Session $session -ErrorAction Stop
        $r.Channel | Should -BeExactly 'ops'
        $r.Event | Should -BeExactly 'alert'
        ($r.To -join ',') | Should -BeExactly 'bob'
        @(Get-TestEmulatorMessage -Emulator $emu).content | Should -BeExactly 'again'
    }
}
