#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests and demonstrates ArtRest.
.DESCRIPTION
    Runs the given tasks in the order given:
      Build    builds the solution; lays out the module with its help in out/ArtRest, the runbook-test
               helpers in out/ArtRest.Testing, and the emulator in out/emulator
      Test     Build and Package, then the xunit tests and the Pester tests (in a child pwsh);
               ends with "N passed, N failed"
      Demo     Build, then the passcode -> token -> connection -> push pipeline against the emulator
      Bench    Build, then the throughput, import-time and memory benchmark (out/bench.json)
      Package  Build, then the module as a PSResourceGet package and the emulator as a .NET tool (out/packages)
      Docs     regenerates the help (out/ArtRest/en-US) from docs/
      Clean    removes out/ and the bin/obj folders under src and tests
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    # Several tasks: -Task Build, Test; or -Task Build,Test, which `pwsh -File` passes as one string.
    [ValidateScript({ @($_ -split ',' | ForEach-Object Trim).Where({ $_ -notin 'Build', 'Test', 'Demo', 'Clean', 'Bench', 'Package', 'Docs' }).Count -eq 0 },
        ErrorMessage = 'Unknown task "{0}": use Build, Test, Demo, Clean, Bench, Package or Docs.')]
    [string[]]$Task = 'Build',

    [string]$Configuration = 'Release'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false   # exit codes are checked by hand, with a clear message

$RepoRoot        = $PSScriptRoot
$OutDir          = Join-Path $RepoRoot 'out'
$ModuleOut       = Join-Path $OutDir 'ArtRest'
$EmulatorOut     = Join-Path $OutDir 'emulator'
$TestResultsDir  = Join-Path $OutDir 'test-results'
$ScratchDir      = Join-Path $OutDir 'obj'          # publish staging and generated child scripts
$ModuleProject   = Join-Path $RepoRoot 'src/ArtRest/ArtRest.csproj'
$EmulatorProject = Join-Path $RepoRoot 'src/ArtRest.Emulator/ArtRest.Emulator.csproj'
$script:BuildDone = $false

# ---------------------------------------------------------------- helpers

function Invoke-Dotnet {
    # Runs dotnet with the given arguments and throws if it fails.
    param([Parameter(Mandatory)][string[]]$ArgumentList)
    & dotnet @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($ArgumentList -join ' ') failed (exit code $LASTEXITCODE)."
    }
}

function Get-BuildProperty {
    # Reads a property (PesterVersion, ...) from Directory.Build.props, the one place versions live.
    param([Parameter(Mandatory)][string]$Name)
    $props = [xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))
    $node = $props.SelectSingleNode("/Project/PropertyGroup/$Name")
    if (-not $node) { throw "Directory.Build.props has no <$Name>." }
    $node.InnerText.Trim()
}

function Get-PwshCommand {
    # The command line that starts a child pwsh like this one: pwsh itself, or `dotnet pwsh.dll`
    # when this pwsh runs as a .NET tool (`dotnet pwsh`).
    $exe = (Get-Process -Id $PID).Path
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @($exe, (Join-Path $PSHOME 'pwsh.dll'))
    }
    @($exe)
}

function Invoke-ChildPwsh {
    # Runs a script file in a fresh pwsh (-NoProfile) on this console and returns its exit code.
    param([Parameter(Mandatory)][string]$File, [string[]]$ArgumentList = @())
    $pwsh = @(Get-PwshCommand)
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList
    foreach ($argument in $arguments) { $startInfo.ArgumentList.Add($argument) }
    $startInfo.UseShellExecute = $false
    $child = [System.Diagnostics.Process]::Start($startInfo)
    try {
        $child.WaitForExit()
        $child.ExitCode
    }
    finally {
        $child.Dispose()
    }
}

function Write-Step([string]$Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

# ---------------------------------------------------------------- Build

function Invoke-BuildTask {
    Write-Step "Build ($Configuration)"
    Invoke-Dotnet 'build', (Join-Path $RepoRoot 'ArtRest.sln'), '-c', $Configuration, '-nologo', '-v', 'q'
    Copy-ModuleLayout
    Copy-TestingModuleLayout
    Build-Help
    Write-Step 'Publish emulator'
    Invoke-Dotnet 'publish', $EmulatorProject, '-c', $Configuration, '-o', $EmulatorOut, '--no-build', '-nologo', '-v', 'q'
    $script:BuildDone = $true
    Write-Host "Module:   $ModuleOut"
    Write-Host "Emulator: $(Join-Path $EmulatorOut 'ArtRest.Emulator.dll')"
}

function Invoke-BuildOnce {
    if (-not $script:BuildDone) { Invoke-BuildTask }
}

function Get-ModuleManifestSource {
    foreach ($candidate in 'ArtRest.psd1', 'src/ArtRest/ArtRest.psd1') {
        $path = Join-Path $RepoRoot $candidate
        if (Test-Path $path) { return $path }
    }
    throw 'No module manifest: expected ./ArtRest.psd1 or src/ArtRest/ArtRest.psd1.'
}

function Copy-ModuleLayout {
    # out/ArtRest = ArtRest.dll + the dlls it needs at run time (System.Text.Json and its
    # netstandard2.0 dependencies, for Windows PowerShell 5.1) + manifest + ps1xml (+ en-US help).
    Write-Step 'Lay out module in out/ArtRest'
    $staging = Join-Path $ScratchDir 'publish/ArtRest'
    if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
    Invoke-Dotnet 'publish', $ModuleProject, '-c', $Configuration, '-o', $staging, '--no-build', '-nologo', '-v', 'q'

    # Replace everything but en-US (help produced by the Docs task), so stale dlls do not linger.
    New-Item -ItemType Directory -Force $ModuleOut | Out-Null
    Get-ChildItem $ModuleOut | Where-Object Name -ne 'en-US' | Remove-Item -Recurse -Force

    # PowerShell itself provides these: never ship them.
    $hostAssemblies = 'System.Management.Automation.dll', 'Microsoft.PowerShell.*.dll', 'Microsoft.Management.Infrastructure*.dll'
    Get-ChildItem $staging -Filter '*.dll' |
        Where-Object { $name = $_.Name; -not ($hostAssemblies | Where-Object { $name -like $_ }) } |
        Copy-Item -Destination $ModuleOut

    Copy-Item (Get-ModuleManifestSource) -Destination $ModuleOut
    Get-ChildItem (Join-Path $RepoRoot 'src/ArtRest') -Filter '*.ps1xml' | Copy-Item -Destination $ModuleOut
}

# ---------------------------------------------------------------- Test

function Copy-TestingModuleLayout {
    # out/ArtRest.Testing: the companion script module for runbook tests; it finds the emulator
    # at ../emulator/ArtRest.Emulator.dll, i.e. out/emulator.
    Write-Step 'Lay out ArtRest.Testing in out/ArtRest.Testing'
    $testingOut = Join-Path $OutDir 'ArtRest.Testing'
    if (Test-Path $testingOut) { Remove-Item $testingOut -Recurse -Force }
    New-Item -ItemType Directory -Force $testingOut | Out-Null
    Copy-Item (Join-Path $RepoRoot 'src/ArtRest.Testing/*') -Destination $testingOut -Recurse
}

function Invoke-TestTask {
    Invoke-BuildOnce
    # The package tests install what Package made; making it here keeps them from rebuilding out/ under a loaded module.
    Invoke-PackageTask
    New-Item -ItemType Directory -Force $TestResultsDir | Out-Null
    $xunit  = Invoke-Xunit
    $pester = Invoke-PesterInChild

    $passed  = $xunit.Passed + $pester.Passed
    $failed  = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    $problems = @($xunit.Problems) + @($pester.Problems)
    foreach ($problem in $problems) { Write-Host "ERROR: $problem" -ForegroundColor Red }
    Write-Host "xunit:  $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
    Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"

    $summary = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $summary += ", $skipped skipped" }
    Write-Host $summary
    if ($failed -gt 0 -or $problems.Count -gt 0) { exit 1 }
}

function New-RunnerResult([string]$Runner) {
    [pscustomobject]@{ Runner = $Runner; Passed = 0; Failed = 0; Skipped = 0; Problems = [Collections.Generic.List[string]]::new() }
}

function Invoke-Xunit {
    Write-Step 'xunit'
    $result = New-RunnerResult 'xunit'
    $trx = Join-Path $TestResultsDir 'xunit.trx'
    if (Test-Path $trx) { Remove-Item $trx -Force }

    & dotnet test (Join-Path $RepoRoot 'tests/ArtRest.Tests') -c $Configuration --no-build -nologo `
        --logger 'trx;LogFileName=xunit.trx' --results-directory $TestResultsDir | Out-Host
    $exitCode = $LASTEXITCODE

    if (-not (Test-Path $trx)) {
        $result.Problems.Add("xunit crashed: no $trx (dotnet test exit code $exitCode).")
        return $result
    }
    $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
    $count = { param($name) [int]$counters.GetAttribute($name) }   # a missing counter reads as 0
    $total = & $count 'total'
    $result.Passed = & $count 'passed'
    $result.Failed = (& $count 'failed') + (& $count 'error') + (& $count 'timeout') + (& $count 'aborted')
    $result.Skipped = [Math]::Max(0, $total - $result.Passed - $result.Failed)
    if ($total -eq 0) { $result.Problems.Add('xunit ran zero tests.') }
    if ($exitCode -ne 0 -and $result.Failed -eq 0) {
        $result.Problems.Add("dotnet test failed (exit code $exitCode) without a failed test: the test run crashed.")
    }
    $result
}

function Get-PesterManifestPath {
    # Pester comes from NuGet (tests/tools/Tools.csproj, a PackageDownload), not from the Gallery.
    Invoke-Dotnet 'restore', (Join-Path $RepoRoot 'tests/tools/Tools.csproj'), '-nologo', '-v', 'q'
    $line = @(& dotnet nuget locals global-packages --list) -match '^global-packages:'
    if ($LASTEXITCODE -ne 0 -or -not $line) { throw 'Cannot find the NuGet global packages folder.' }
    $globalPackages = ($line | Select-Object -First 1) -replace '^global-packages:\s*', ''
    $version = Get-BuildProperty 'PesterVersion'
    $manifest = Join-Path $globalPackages.Trim() "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $manifest)) { throw "Pester $version not found at $manifest after restore." }
    $manifest
}

# Runs in the child pwsh: Pester against the built module, counts written as JSON.
$PesterRunnerScript = @'
param(
    [Parameter(Mandatory)][string]$PesterManifest,
    [Parameter(Mandatory)][string]$ResultXml,
    [Parameter(Mandatory)][string]$CountsJson,
    [Parameter(Mandatory, ValueFromRemainingArguments)][string[]]$TestPath
)
Import-Module $PesterManifest -Force -ErrorAction Stop
# The tests run under PowerShell's default preferences, as in a user's session: a non-terminating
# error stays non-terminating unless a test asks otherwise.
$ErrorActionPreference = 'Continue'
$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $ResultXml
$run = Invoke-Pester -Configuration $config

# A file that fails without failing a test (it does not parse, its AfterAll throws) is a failure too.
$failed = $run.FailedCount + @($run.FailedContainers | Where-Object FailedCount -eq 0).Count
if ($run.Result -ne 'Passed' -and $failed -eq 0 -and $run.TotalCount -gt 0) { $failed = [Math]::Max(1, $run.FailedBlocksCount) }
[ordered]@{
    Passed  = $run.PassedCount
    Failed  = $failed
    Skipped = $run.SkippedCount + $run.NotRunCount
    Total   = $run.TotalCount
    Result  = "$($run.Result)"
} | ConvertTo-Json | Set-Content -LiteralPath $CountsJson -Encoding utf8
'@

function Invoke-PesterInChild {
    Write-Step 'Pester'
    $result = New-RunnerResult 'Pester'
    $testPaths = @(Join-Path $RepoRoot 'tests/pester')
    $examples = Join-Path $RepoRoot 'docs/examples'
    if (Get-ChildItem $examples -Filter '*.Tests.ps1' -Recurse -ErrorAction Ignore) { $testPaths += $examples }

    $runner = Join-Path $ScratchDir 'Invoke-PesterRun.ps1'
    New-Item -ItemType Directory -Force $ScratchDir | Out-Null
    Set-Content -LiteralPath $runner -Value $PesterRunnerScript -Encoding utf8
    $countsJson = Join-Path $TestResultsDir 'pester-counts.json'
    if (Test-Path $countsJson) { Remove-Item $countsJson -Force }

    $manifest = Get-PesterManifestPath
    $exitCode = Invoke-ChildPwsh -File $runner -ArgumentList (
        @($manifest, (Join-Path $TestResultsDir 'pester.xml'), $countsJson) + $testPaths)

    if (-not (Test-Path $countsJson)) {
        $result.Problems.Add("Pester crashed: no counts written (child pwsh exit code $exitCode).")
        return $result
    }
    $counts = Get-Content -Raw $countsJson | ConvertFrom-Json
    $result.Passed = [int]$counts.Passed
    $result.Failed = [int]$counts.Failed
    $result.Skipped = [int]$counts.Skipped
    if ([int]$counts.Total -eq 0) { $result.Problems.Add('Pester ran zero tests.') }
    $result
}

# ---------------------------------------------------------------- Demo

# Runs in the child pwsh against the built module and a running emulator.
$DemoScript = @'
param(
    [Parameter(Mandatory)][string]$ModuleManifest,
    [Parameter(Mandatory)][string]$BaseUri
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest -Force

function Show([string]$Title) { Write-Host ''; Write-Host "--- $Title" -ForegroundColor Green }

$cred = [pscredential]::new('demo-client-id', (ConvertTo-SecureString 'demo-client-secret' -AsPlainText -Force))
$tenant = @{
    BaseUri      = $BaseUri
    Organization = 'demo-org'
    Environment  = 'dev'
    ProjectKey   = 'demo-project'
    Credential   = $cred
}

Show "New-ArtPasscode | Get-ArtToken | New-ArtConnection | Send-ArtMessage   (alice -> bob, carol on 'ops')"
$result = New-ArtPasscode @tenant -UserName alice |
    Get-ArtToken | New-ArtConnection |
    Send-ArtMessage -Channel ops -Event alert -Content 'disk full' -To bob, carol
$result | Format-List | Out-Host

Show "What the emulator received (GET $BaseUri/_emulator/messages)"
Invoke-RestMethod "$BaseUri/_emulator/messages" | Format-List | Out-Host

Show "An RBAC denial as the caller sees it (alice pushes to 'restricted')"
$session = New-ArtPasscode @tenant -UserName alice | Get-ArtToken | New-ArtConnection
try {
    Send-ArtMessage -Session $session -Channel restricted -Event alert -Content 'let me in' -ErrorAction Stop | Out-Null
    throw 'Expected an RBAC denial from the emulator, but the push succeeded.'
}
catch {
    if ($_.FullyQualifiedErrorId -notlike 'ArtRbac*') { throw }
    Write-Host "`$_.FullyQualifiedErrorId : $($_.FullyQualifiedErrorId)"
    Write-Host "`$_.CategoryInfo          : $($_.CategoryInfo)"
    Write-Host "`$_.Exception.StatusCode  : $($_.Exception.StatusCode)"
    Write-Host "`$_.ErrorDetails.Message  :"
    $_.ErrorDetails.Message -split '\r?\n' | ForEach-Object { Write-Host "    $_" }
    Write-Host "`$_.Exception.Errors      :"
    foreach ($item in @($_.Exception.Errors)) {
        Write-Host "    $($item | ConvertTo-Json -Compress -Depth 8)"
    }
}
'@

function Invoke-DemoTask {
    Invoke-BuildOnce
    Write-Step 'Demo'
    Import-Module (Join-Path $RepoRoot 'tests/pester/TestHelpers.psm1') -Force   # Start-/Stop-TestEmulator
    $demo = Join-Path $ScratchDir 'Invoke-Demo.ps1'
    New-Item -ItemType Directory -Force $ScratchDir | Out-Null
    Set-Content -LiteralPath $demo -Value $DemoScript -Encoding utf8

    $emulator = $null
    try {
        $emulator = Start-TestEmulator
        Write-Host "Emulator listening at $($emulator.BaseUri) (pid $($emulator.Process.Id))"
        $exitCode = Invoke-ChildPwsh -File $demo -ArgumentList (Join-Path $ModuleOut 'ArtRest.psd1'), $emulator.BaseUri
        if ($exitCode -ne 0) { throw "The demo failed (exit code $exitCode)." }
    }
    finally {
        if ($emulator) { $emulator | Stop-TestEmulator }
    }
}

# ---------------------------------------------------------------- Clean

function Invoke-CleanTask {
    Write-Step 'Clean'
    if (Test-Path $OutDir) { Remove-Item $OutDir -Recurse -Force }
    Get-ChildItem (Join-Path $RepoRoot 'src'), (Join-Path $RepoRoot 'tests') -Directory -Recurse -Include 'bin', 'obj' -ErrorAction Ignore |
        Where-Object { Test-Path $_.FullName } |   # a parent may already be gone
        Remove-Item -Recurse -Force
    $script:BuildDone = $false
}

# ---------------------------------------------------------------- not yet implemented

function Invoke-BenchTask {
    # Throughput, import time and peak memory against the emulator, next to a raw HttpClient and
    # Invoke-RestMethod: a report (out/bench.json), never a pass/fail on time. Run
    # tests/bench/Invoke-Benchmark.ps1 by hand for other -Rounds, -MessageCount, ...
    Invoke-BuildOnce
    Write-Step 'Build the raw HttpClient baseline (tests/bench/RawClient)'
    $rawClientOut = Join-Path $OutDir 'bench/RawClient'
    Invoke-Dotnet 'build', (Join-Path $RepoRoot 'tests/bench/RawClient/RawClient.csproj'), '-c', $Configuration, '-o', $rawClientOut, '-nologo', '-v', 'q'
    Write-Step 'Bench'
    $exitCode = Invoke-ChildPwsh -File (Join-Path $RepoRoot 'tests/bench/Invoke-Benchmark.ps1') -ArgumentList @(
        '-ModuleManifest', (Join-Path $ModuleOut 'ArtRest.psd1'),
        '-RawClientPath', (Join-Path $rawClientOut 'RawClient.dll'),
        '-OutFile', (Join-Path $OutDir 'bench.json'))
    if ($exitCode -ne 0) { throw "The benchmark failed (exit code $exitCode)." }
}

function Invoke-PackageTask {
    # out/packages/psgallery-local: ArtRest.<ver>.nupkg (and ArtRest.Testing.<ver>.nupkg), published
    #   with PSResourceGet to a file-system repository, so Save-/Install-PSResource can take them;
    # out/packages/tools: ArtRest.Emulator.<ver>.nupkg, the emulator as a .NET tool (art-emulator).
    Invoke-BuildOnce
    Write-Step 'Package'
    $galleryDir = Join-Path $OutDir 'packages/psgallery-local'
    $toolsDir   = Join-Path $OutDir 'packages/tools'
    foreach ($dir in $galleryDir, $toolsDir) {
        # Publishing a version that is already in the folder fails: start from empty folders.
        if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
        New-Item -ItemType Directory -Force $dir | Out-Null
    }

    $manifest = Test-ModuleManifest -Path (Join-Path $ModuleOut 'ArtRest.psd1') -ErrorAction Stop
    $version = Get-BuildProperty 'Version'
    if ("$($manifest.Version)" -ne $version) {
        throw "ArtRest.psd1 has ModuleVersion $($manifest.Version) but Directory.Build.props has Version ${version}: make them the same."
    }
    $modules = @($ModuleOut)
    $testingOut = Join-Path $OutDir 'ArtRest.Testing'
    if (Test-Path (Join-Path $testingOut 'ArtRest.Testing.psd1')) { $modules += $testingOut }
    else { Write-Warning "No $testingOut (Build did not lay it out): ArtRest.Testing is not packaged." }

    # A repository registered for this task only: PSResourceGet keeps repositories in per-user settings.
    $repository = 'ArtRestLocal'
    Write-Step "Publish $(@($modules | ForEach-Object { Split-Path $_ -Leaf }) -join ', ') to $galleryDir"
    if (Get-PSResourceRepository -Name $repository -ErrorAction Ignore) { Unregister-PSResourceRepository -Name $repository }
    Register-PSResourceRepository -Name $repository -Uri $galleryDir -Trusted
    try {
        foreach ($module in $modules) { Publish-PSResource -Path $module -Repository $repository }
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }

    Write-Step "Pack the emulator tool to $toolsDir"
    Invoke-Dotnet 'pack', $EmulatorProject, '-c', $Configuration, '-o', $toolsDir, '--no-build', '-nologo', '-v', 'q'

    $expected = @((Join-Path $galleryDir "ArtRest.$version.nupkg"), (Join-Path $toolsDir "ArtRest.Emulator.$version.nupkg"))
    if ($modules.Count -gt 1) { $expected += Join-Path $galleryDir "ArtRest.Testing.$version.nupkg" }
    foreach ($package in $expected) {
        if (-not (Test-Path $package)) { throw "Packaging did not produce $package." }
        Write-Host "Package:  $package"
    }
}

function Invoke-DocsTask {
    # Build lays out the help too; Docs alone regenerates it from docs/ into the built module.
    if (-not $script:BuildDone) { Invoke-BuildTask } else { Build-Help }
}

function Build-Help {
    # docs/*.md (platyPS format) -> MAML and about topic in out/ArtRest/en-US. platyPS when it is
    # installed; otherwise the project's converter over the same files.
    Write-Step 'Help'
    $docs = Join-Path $RepoRoot 'docs'
    $helpOut = Join-Path $ModuleOut 'en-US'
    if (Get-Module -ListAvailable platyPS) {
        Import-Module platyPS
        $null = New-ExternalHelp -Path $docs -OutputPath $helpOut -Force
        # The about source is named about_ArtRest.help.md; make sure the topic ends as about_ArtRest.help.txt.
        Get-ChildItem $helpOut -Filter '*.help.help.txt' | Move-Item -Destination { $_.FullName -replace '\.help\.help\.txt$', '.help.txt' } -Force
    }
    else {
        Invoke-Dotnet 'run', '--project', (Join-Path $RepoRoot 'src/ArtRest.HelpBuilder'), '-c', $Configuration, '--no-build', '--', $docs, $helpOut
    }
}

# ---------------------------------------------------------------- main

Push-Location $RepoRoot
try {
    foreach ($name in @($Task -split ',' | ForEach-Object Trim)) { & "Invoke-${name}Task" }
}
finally {
    Pop-Location
}
