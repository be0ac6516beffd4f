# The packages ./build.ps1 -Task Package makes: ArtRest (and ArtRest.Testing) in a PSResourceGet
# file-system repository, out/packages/psgallery-local, and the emulator as a .NET tool,
# out/packages/tools. Each is installed into $TestDrive and used from there, as a user would.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force

    $script:RepoRoot   = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:OutDir     = Join-Path $RepoRoot 'out'
    $script:GalleryDir = Join-Path $OutDir 'packages/psgallery-local'
    $script:ToolsDir   = Join-Path $OutDir 'packages/tools'
    $props = [xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))
    $script:Version = $props.SelectSingleNode('/Project/PropertyGroup/Version').InnerText.Trim()
    $script:ModuleNupkg  = Join-Path $GalleryDir "ArtRest.$Version.nupkg"
    $script:TestingNupkg = Join-Path $GalleryDir "ArtRest.Testing.$Version.nupkg"
    $script:ToolNupkg    = Join-Path $ToolsDir "ArtRest.Emulator.$Version.nupkg"

    function Get-PwshCommand {
        # pwsh itself, or `dotnet pwsh.dll` when this pwsh runs as a .NET tool (`dotnet pwsh`).
        $exe = (Get-Process -Id $PID).Path
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
        @($exe)
    }

    function Invoke-Child {
        # Runs a program to completion; returns ExitCode and Output (stdout and stderr, as lines).
        param([Parameter(Mandatory)][string[]]$Command, [int]$TimeoutSeconds = 600)
        $startInfo = [System.Diagnostics.ProcessStartInfo]::new($Command[0])
        foreach ($argument in @($Command | Select-Object -Skip 1)) { $startInfo.ArgumentList.Add($argument) }
        $startInfo.UseShellExecute = $false
        $startInfo.RedirectStandardOutput = $true
        $startInfo.RedirectStandardError = $true
        $startInfo.RedirectStandardInput = $true
        $process = [System.Diagnostics.Process]::Start($startInfo)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
                $process.Kill($true)
                throw "$($Command -join ' ') did not finish within $TimeoutSeconds s."
            }
            $process.WaitForExit()
            [pscustomobject]@{
                ExitCode = $process.ExitCode
                Output   = @(($stdout.Result + $stderr.Result) -split '\r?\n' | Where-Object { $_ })
            }
        }
        finally { $process.Dispose() }
    }

    function Invoke-ChildPwsh {
        # Runs a script in a fresh pwsh (-NoProfile); its last stdout line must be JSON, returned as an object.
        param([Parameter(Mandatory)][string]$Script, [string[]]$ArgumentList = @())
        $file = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $file -Value $Script -Encoding utf8
        $run = Invoke-Child (@(Get-PwshCommand) + @('-NoProfile', '-NonInteractive', '-File', $file) + $ArgumentList)
        if ($run.ExitCode -ne 0) { throw "The child pwsh failed (exit code $($run.ExitCode)):`n$($run.Output -join "`n")" }
        $run.Output[-1] | ConvertFrom-Json
    }

    # Package unless out/packages holds packages at least as new as what Build laid out.
    $builtFiles = @(Get-ChildItem (Join-Path $OutDir 'ArtRest'), (Join-Path $OutDir 'ArtRest.Testing') -File -Recurse -ErrorAction Ignore) +
        @(Get-Item (Join-Path $OutDir 'emulator/ArtRest.Emulator.dll') -ErrorAction Ignore)
    $packages = @(Get-Item $ModuleNupkg, $ToolNupkg -ErrorAction Ignore)
    $newestBuilt = ($builtFiles | Measure-Object LastWriteTimeUtc -Maximum).Maximum
    $oldestPackage = ($packages | Measure-Object LastWriteTimeUtc -Minimum).Minimum
    if ($packages.Count -lt 2 -or $builtFiles.Count -eq 0 -or $newestBuilt -gt $oldestPackage) {
        $run = Invoke-Child (@(Get-PwshCommand) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'build.ps1'), '-Task', 'Package'))
        if ($run.ExitCode -ne 0) { throw "./build.ps1 -Task Package failed (exit code $($run.ExitCode)):`n$($run.Output -join "`n")" }
    }

    # A repository of our own, under a name no one else uses, for this file only.
    $script:RepositoryName = "ArtRestPackageTests-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    Register-PSResourceRepository -Name $RepositoryName -Uri $GalleryDir -Trusted
}

AfterAll {
    if ($RepositoryName) { Unregister-PSResourceRepository -Name $RepositoryName -ErrorAction Ignore }
}

Describe 'The module manifest' {
    It 'passes Test-ModuleManifest and carries what a gallery shows' {
        # The laid-out copy: the manifest's ps1xml files sit beside it there, as in the package.
        $manifest = Test-ModuleManifest (Join-Path $OutDir 'ArtRest/ArtRest.psd1') -ErrorVariable problems -WarningVariable warnings -ErrorAction SilentlyContinue
        @($problems) + @($warnings) | Should -BeNullOrEmpty
        "$($manifest.Version)" | Should -BeExactly $Version
        $manifest.Guid | Should -Not -Be ([guid]::Empty)
        $manifest.Author | Should -Not -BeNullOrEmpty
        $manifest.Description | Should -Not -BeNullOrEmpty
        @($manifest.Tags) | Should -Contain 'PSEdition_Core'
        $manifest.ProjectUri | Should -Not -BeNullOrEmpty
        $manifest.LicenseUri | Should -Not -BeNullOrEmpty
        $manifest.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'is the one at the repository root' {
        Get-FileHash (Join-Path $OutDir 'ArtRest/ArtRest.psd1') | Select-Object -ExpandProperty Hash |
            Should -BeExactly (Get-FileHash (Join-Path $RepoRoot 'ArtRest.psd1')).Hash
    }
}

Describe 'ArtRest from the local PSResourceGet repository' {
    It 'saves into a temporary path, imports from there in a fresh pwsh and pushes to the emulator' {
        $modules = Join-Path $TestDrive 'mods'
        New-Item -ItemType Directory -Force $modules | Out-Null
        $saved = Save-PSResource -Name ArtRest -Version $Version -Repository $RepositoryName -Path $modules -TrustRepository -PassThru
        $saved.Version | Should -Be ([version]$Version)
        Join-Path $modules "ArtRest/$Version/ArtRest.dll" | Should -Exist

        $child = @'
param([string]$ModulesPath, [string]$BaseUri, [string]$Content)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $ModulesPath + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module ArtRest
$secret = ConvertTo-SecureString 'demo-client-secret' -AsPlainText -Force
$result = New-ArtPasscode -BaseUri $BaseUri -Organization demo-org -Environment dev -ProjectKey demo-project `
        -Credential ([pscredential]::new('demo-client-id', $secret)) -UserName alice |
    Get-ArtToken | New-ArtConnection | Send-ArtMessage -Channel ops -Event alert -Content $Content -To bob
[ordered]@{ ModuleBase = (Get-Module ArtRest).ModuleBase; ServerMessage = $result.ServerMessage } | ConvertTo-Json -Compress
'@
        $emu = Start-TestEmulator
        try {
            $content = "packaged $([guid]::NewGuid())"
            $answer = Invoke-ChildPwsh $child -ArgumentList $modules, $emu.BaseUri, $content

            $answer.ServerMessage | Should -Not -BeNullOrEmpty
            $expectedBase = (Resolve-Path (Join-Path $modules "ArtRest/$Version")).ProviderPath
            $answer.ModuleBase | Should -BeExactly $expectedBase
            $received = @(Get-TestEmulatorMessage -Emulator $emu)
            $received | Should -HaveCount 1
            $received[0].content | Should -BeExactly $content
            $received[0].user | Should -BeExactly 'alice'
            ($received[0].to -join ',') | Should -BeExactly 'bob'
        }
        finally {
            $emu | Stop-TestEmulator
        }
    }
}

Describe 'The emulator as a .NET tool' {
    BeforeAll {
        # Only our package source, and a NuGet cache of our own: a cached package of the same
        # version from an earlier build must not stand in for the one just packed.
        $script:ToolPath = Join-Path $TestDrive 'tools'
        $config = Join-Path $TestDrive 'nuget.config'
        Set-Content -LiteralPath $config -Encoding utf8 -Value @"
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="artrest-local" value="$([Security.SecurityElement]::Escape($ToolsDir))" />
  </packageSources>
</configuration>
"@
        $savedCache = $env:NUGET_PACKAGES
        $env:NUGET_PACKAGES = Join-Path $TestDrive 'nuget-packages'
        try {
            $install = Invoke-Child @((Get-Command dotnet -CommandType Application | Select-Object -First 1).Source,
                'tool', 'install', 'ArtRest.Emulator', '--version', $Version, '--tool-path', $ToolPath, '--configfile', $config)
        }
        finally {
            $env:NUGET_PACKAGES = $savedCache
        }
        if ($install.ExitCode -ne 0) { throw "dotnet tool install failed (exit code $($install.ExitCode)):`n$($install.Output -join "`n")" }
        $script:ArtEmulator = Get-ChildItem $ToolPath -File | Where-Object { $_.BaseName -eq 'art-emulator' } |
            Select-Object -First 1 -ExpandProperty FullName
    }

    It 'installs an art-emulator command that prints its URL first and answers a passcode request' {
        $ArtEmulator | Should -Not -BeNullOrEmpty

        $startInfo = [System.Diagnostics.ProcessStartInfo]::new($ArtEmulator)
        $startInfo.ArgumentList.Add('--port')
        $startInfo.ArgumentList.Add('0')
        $startInfo.UseShellExecute = $false
        $startInfo.RedirectStandardOutput = $true
        $startInfo.RedirectStandardError = $true
        $startInfo.RedirectStandardInput = $true
        $process = [System.Diagnostics.Process]::Start($startInfo)
        try {
            $firstLine = $process.StandardOutput.ReadLineAsync()
            $firstLine.Wait([TimeSpan]::FromSeconds(30)) | Should -BeTrue -Because 'the emulator prints its URL when it listens'
            $baseUri = $firstLine.Result
            $baseUri | Should -Match '^http://127\.0\.0\.1:\d+/ws$'

            $headers = @{
                'X-Org' = 'demo-org'; 'Environment' = 'dev'; 'ProjectKey' = 'demo-project'
                'Client-Id' = 'demo-client-id'; 'Client-Secret' = 'demo-client-secret'
            }
            $answer = Invoke-RestMethod -Method Post -Uri "$baseUri/v1/connect/passcode" -Headers $headers `
                -ContentType 'application/json' -Body '{"username":"alice"}'
            $answer.status | Should -Be 200
            $answer.data.username | Should -BeExactly 'alice'
            $answer.data.passcode | Should -Not -BeNullOrEmpty
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            $null = $process.WaitForExit(10000)
            $process.Dispose()
        }
    }

    It 'is what ArtRest.Testing, saved from the local repository, starts with -Path' {
        if (-not (Test-Path $TestingNupkg)) {
            Set-ItResult -Skipped -Because "there is no $TestingNupkg (Build does not lay out out/ArtRest.Testing)"
            return
        }
        $modules = Join-Path $TestDrive 'testing-mods'
        New-Item -ItemType Directory -Force $modules | Out-Null
        Save-PSResource -Name ArtRest.Testing -Version $Version -Repository $RepositoryName -Path $modules -TrustRepository

        # In a fresh pwsh, so the copy under test never meets the one the other tests import from out/.
        $child = @'
param([string]$ModulesPath, [string]$ArtEmulator)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $ModulesPath + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module ArtRest.Testing
$emu = Start-ArtEmulator -Path $ArtEmulator
$emulatorId = $emu.Process.Id
try {
    $rule = Set-ArtEmulatorFault -Emulator $emu -Path /v1/push-message -Status 503 -PassThru
    $messages = @(Get-ArtEmulatorMessage -Emulator $emu)
}
finally {
    $emu | Stop-ArtEmulator
}
[ordered]@{
    ModuleBase = (Get-Module ArtRest.Testing).ModuleBase
    BaseUri    = $emu.BaseUri
    Stopped    = $null -eq (Get-Process -Id $emulatorId -ErrorAction Ignore)
    Fault      = $rule.status
    Messages   = $messages.Count
} | ConvertTo-Json -Compress
'@
        $answer = Invoke-ChildPwsh $child -ArgumentList $modules, $ArtEmulator
        $answer.ModuleBase | Should -BeExactly (Resolve-Path (Join-Path $modules "ArtRest.Testing/$Version")).ProviderPath
        $answer.BaseUri | Should -Match '^http://127\.0\.0\.1:\d+/ws$'
        $answer.Fault | Should -Be 503
        $answer.Messages | Should -Be 0
        $answer.Stopped | Should -BeTrue
    }
}
