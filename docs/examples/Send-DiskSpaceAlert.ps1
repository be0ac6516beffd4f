<#
.SYNOPSIS
    Notifies on-call over ART when a disk is nearly full.
.DESCRIPTION
    Checks how full each disk is and, when one or more are at or above -ThresholdPercent, pushes
    one 'disk-space-alert' message to each channel in -RecipientsCsv, addressed to the users the
    file lists for that channel. Nothing is sent (and ART is not called) when no disk is full.

    The runbook signs in once as -SenderUserName: New-ArtPasscode | Get-ArtToken | New-ArtConnection.
    The tenant and client credentials come from the parameters given, else from the
    adk-services.json file named by -ConfigurationPath, else from the ART_BASE_URI, ART_ORG,
    ART_ENVIRONMENT, ART_PROJECT_KEY, ART_CLIENT_ID and ART_CLIENT_SECRET environment variables.

    A failure on one channel does not stop the others:
      ArtRbacForbidden        the sender may not push to that channel: a warning, then the next channel;
      ArtPushOutcomeUnknown   the message may or may not have arrived (ArtRest never resends those):
                              a warning, and the message is appended to -RetryPath;
      any other failure       a non-terminating error, and the message is appended to -RetryPath.
    The retry file is a CSV whose Channel, Event, Content and To columns Send-ArtMessage binds by
    name, so after checking what arrived you can send it again with:
      New-ArtPasscode ... | Get-ArtToken | New-ArtConnection
      Import-Csv <RetryPath> | Send-ArtMessage
    A failure to sign in ends the runbook with a terminating error: nothing can be sent.
.PARAMETER RecipientsCsv
    A CSV file with the columns Channel and UserName: one row per user to notify on a channel.
    A row whose UserName is empty means everyone on that channel.
      Channel,UserName
      oncall-storage,alice
      oncall-storage,bob
      ops-broadcast,
.PARAMETER ThresholdPercent
    A disk whose used space is at or above this percentage is reported.
.PARAMETER DiskUsage
    The disks to check: objects with Name and UsedPercent (0-100). By default, the file-system
    drives of this computer (Get-PSDrive -PSProvider FileSystem) that report their used and free
    space. Tests and other sources (a monitoring API, remote computers) pass their own.
.PARAMETER ComputerName
    The computer named in the alert.
.PARAMETER SenderUserName
    The ART user the alerts come from.
.PARAMETER RetryPath
    The CSV file that messages which may not have arrived are appended to.
.PARAMETER BaseUri
    ART's base URI (default: ArtRest's, https://dev.arealtimetech.com/ws).
.PARAMETER Organization
    The ART organisation (Org-Title).
.PARAMETER Environment
    The environment inside the ART project.
.PARAMETER ProjectKey
    The ART project key.
.PARAMETER Credential
    The ART client id (user name) and client secret (password).
.PARAMETER ConfigurationPath
    An adk-services.json file with Client-ID, Client-Secret, Org-Title, Environment and ProjectKey.
.EXAMPLE
    $env:ART_ORG = 'contoso'; $env:ART_ENVIRONMENT = 'prod'; $env:ART_PROJECT_KEY = 'ops'
    $env:ART_CLIENT_ID = '...'; $env:ART_CLIENT_SECRET = '...'
    ./Send-DiskSpaceAlert.ps1 -RecipientsCsv ./oncall.csv -ThresholdPercent 90
.EXAMPLE
    ./Send-DiskSpaceAlert.ps1 -RecipientsCsv ./oncall.csv -ConfigurationPath ./adk-services.json -WhatIf
    Shows the alerts it would send, without sending them.
.EXAMPLE
    $disks = [pscustomobject]@{ Name = 'D:'; UsedPercent = 97.5 }
    ./Send-DiskSpaceAlert.ps1 -RecipientsCsv ./oncall.csv -DiskUsage $disks -Credential (Get-Credential)
.OUTPUTS
    One object per channel: Channel, To, Status (Sent, Denied, OutcomeUnknown, Failed, Skipped),
    Detail. Nothing when no disk is over the threshold.
#>
#Requires -Version 7.2
#Requires -Modules ArtRest

[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf }, ErrorMessage = 'The recipients file "{0}" does not exist.')]
    [string]$RecipientsCsv,

    [ValidateRange(1, 100)]
    [double]$ThresholdPercent = 90,

    [object[]]$DiskUsage,

    [ValidateNotNullOrEmpty()]
    [string]$ComputerName = [Environment]::MachineName,

    [ValidateNotNullOrEmpty()]
    [string]$SenderUserName = 'disk-monitor',

    [ValidateNotNullOrEmpty()]
    [string]$RetryPath = (Join-Path ([IO.Path]::GetTempPath()) 'Send-DiskSpaceAlert.retry.csv'),

    [string]$BaseUri,
    [string]$Organization,
    [string]$Environment,
    [string]$ProjectKey,
    [pscredential]$Credential,
    [string]$ConfigurationPath
)

Set-StrictMode -Version 3.0

function Get-FileSystemDiskUsage {
    # The local file-system drives that report their size (network and empty drives do not).
    foreach ($drive in Get-PSDrive -PSProvider FileSystem -ErrorAction Stop) {
        $used = $drive.Used
        $free = $drive.Free
        if ($null -eq $used -or $null -eq $free -or ($used + $free) -le 0) { continue }
        [pscustomobject]@{ Name = $drive.Root; UsedPercent = [Math]::Round(100.0 * $used / ($used + $free), 1) }
    }
}

function Save-ForRetry {
    # Appends a message that may not have arrived, in the columns Send-ArtMessage binds by name.
    param([string]$Channel, [string]$Event, [string]$Content, [string[]]$To, [string]$Reason)
    [pscustomobject]@{
        Channel  = $Channel
        Event    = $Event
        Content  = $Content
        To       = $To -join ';'
        Reason   = $Reason
        FailedAt = [DateTime]::UtcNow.ToString('o')
    } | Export-Csv -LiteralPath $RetryPath -Append -NoTypeInformation -Encoding utf8 -WhatIf:$false -Confirm:$false -ErrorAction Stop
}

# ---------------------------------------------------------------- what is full

if (-not $PSBoundParameters.ContainsKey('DiskUsage')) { $DiskUsage = @(Get-FileSystemDiskUsage) }
$full = @($DiskUsage | Where-Object { [double]$_.UsedPercent -ge $ThresholdPercent } | Sort-Object { [double]$_.UsedPercent } -Descending)
if ($full.Count -eq 0) {
    Write-Verbose "No disk on $ComputerName is $ThresholdPercent% full or more: nothing to send."
    return
}

$lines = foreach ($disk in $full) { '{0} is {1:0.0}% full' -f $disk.Name, [double]$disk.UsedPercent }
$content = "Disk space alert on ${ComputerName} (threshold $ThresholdPercent%): $($lines -join '; ')."
$alertEvent = 'disk-space-alert'

# ---------------------------------------------------------------- who to tell

$rows = @(Import-Csv -LiteralPath $RecipientsCsv -ErrorAction Stop)
if ($rows.Count -eq 0 -or -not $rows[0].PSObject.Properties['Channel']) {
    throw "The recipients file $RecipientsCsv needs a Channel column (and a UserName column) and at least one row."
}
$channels = foreach ($group in $rows | Where-Object { "$($_.Channel)".Trim() } | Group-Object { $_.Channel.Trim() }) {
    $names = @($group.Group | ForEach-Object { if ($_.PSObject.Properties['UserName']) { "$($_.UserName)".Trim() } else { '' } })
    [pscustomobject]@{
        Channel = $group.Name
        # A row without a user name means everyone on the channel: no -To at all.
        To      = [string[]]@(if ($names -notcontains '') { $names | Select-Object -Unique })
    }
}

# ---------------------------------------------------------------- send

$identity = @{}
foreach ($name in 'BaseUri', 'Organization', 'Environment', 'ProjectKey', 'Credential', 'ConfigurationPath') {
    if ($PSBoundParameters.ContainsKey($name)) { $identity[$name] = $PSBoundParameters[$name] }
}

$session = $null
foreach ($target in $channels) {
    $recipients = if ($target.To.Count -gt 0) { $target.To -join ', ' } else { 'everyone' }
    $result = [pscustomobject]@{ Channel = $target.Channel; To = $target.To; Status = 'Skipped'; Detail = '' }
    if (-not $PSCmdlet.ShouldProcess("channel '$($target.Channel)' ($recipients)", "Send '$alertEvent': $content")) {
        $result
        continue
    }

    if (-not $session) {
        # Sign in once, on the first message that is really sent; a failure here ends the runbook.
        $session = New-ArtPasscode @identity -UserName $SenderUserName -ErrorAction Stop |
            Get-ArtToken -ErrorAction Stop | New-ArtConnection -ErrorAction Stop
    }

    $send = @{ Session = $session; Channel = $target.Channel; Event = $alertEvent; Content = $content }
    if ($target.To.Count -gt 0) { $send.To = $target.To }
    try {
        $sent = Send-ArtMessage @send -ErrorAction Stop -WhatIf:$false -Confirm:$false
        $result.Status = 'Sent'
        $result.Detail = "$($sent.ServerMessage)"
    }
    catch {
        $failure = $_   # inside the switch, $_ is the ErrorId
        $result.Detail = $failure.Exception.Message
        switch -Wildcard ($failure.FullyQualifiedErrorId) {
            'ArtRbacForbidden,*' {
                $result.Status = 'Denied'
                Write-Warning "$SenderUserName may not push to channel '$($target.Channel)': $($failure.Exception.Message)"
            }
            'ArtPushOutcomeUnknown,*' {
                $result.Status = 'OutcomeUnknown'
                Save-ForRetry $target.Channel $alertEvent $content $target.To 'OutcomeUnknown'
                Write-Warning "The alert to channel '$($target.Channel)' may not have arrived; it was saved to $RetryPath."
            }
            default {
                $result.Status = 'Failed'
                Save-ForRetry $target.Channel $alertEvent $content $target.To ($failure.FullyQualifiedErrorId -split ',')[0]
                $PSCmdlet.WriteError($failure)   # non-terminating, unless the caller says -ErrorAction Stop
            }
        }
    }
    $result
}
