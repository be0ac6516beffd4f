#Requires -Version 7.2
# The help system: what Get-Help shows for the built module (out/ArtRest, with en-US help from the
# Docs task), and drift between docs/*.md and the real cmdlets (parameters, types, sets, pipeline
# input, aliases). Run ./build.ps1 -Task Build,Docs first.

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    # The cmdlet list at discovery time comes from the manifest (the built one when there is one).
    $manifest = @((Join-Path $repoRoot 'out/ArtRest/ArtRest.psd1'), (Join-Path $repoRoot 'ArtRest.psd1')) |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    $script:CmdletNames = @((Import-PowerShellDataFile $manifest).CmdletsToExport | Sort-Object)
}

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:DocsDir = Join-Path $RepoRoot 'docs'
    $helpers = Join-Path $PSScriptRoot 'TestHelpers.psm1'
    if (Test-Path $helpers) {
        Import-Module $helpers -Force
        $script:Module = Import-ArtRestUnderTest
    }
    else {
        $script:Module = Import-Module (Join-Path $RepoRoot 'out/ArtRest/ArtRest.psd1') -Force -Global -PassThru
    }
    $script:CommonParameterNames = [System.Management.Automation.PSCmdlet]::CommonParameters

    function Get-RealParameter([string]$Name) {
        # The cmdlet's own parameters: everything but the common ones (-WhatIf and -Confirm are documented).
        (Get-Command $Name -Module ArtRest).Parameters.Values |
            Where-Object { $script:CommonParameterNames -notcontains $_.Name }
    }

    function Read-CommandDoc([string]$Path) {
        # Reads the parts of a platyPS markdown file that the drift tests compare: the SYNTAX blocks
        # (set name -> parameter names) and the PARAMETERS entries (name -> their yaml blocks).
        $doc = [pscustomobject]@{
            Syntax              = [ordered]@{}
            Parameters          = [ordered]@{}
            HasCommonParameters = $false
        }
        $section = $null
        $heading = $null
        $fence = $null
        foreach ($line in Get-Content -LiteralPath $Path) {
            if ($fence) {
                if ($line -match '^```\s*$') { $fence = $null; continue }
                if ($fence -eq 'yaml' -and $line -match '^([^:]+):\s*(.*)$') {
                    $doc.Parameters[$heading][-1][$Matches[1].Trim()] = $Matches[2].Trim()
                }
                elseif ($fence -eq 'syntax') {
                    foreach ($match in [regex]::Matches($line, '(?<![\w<])-(\w+)')) {
                        $doc.Syntax[$heading].Add($match.Groups[1].Value)
                    }
                }
                continue
            }
            if ($line -match '^## (.+)$') { $section = $Matches[1].Trim(); $heading = $null; continue }
            if ($line -match '^### (.+)$') {
                $title = $Matches[1].Trim()
                if ($section -eq 'SYNTAX') {
                    $heading = $title -replace '\s*\(Default\)$', ''
                    $doc.Syntax[$heading] = [System.Collections.Generic.List[string]]::new()
                }
                elseif ($section -eq 'PARAMETERS' -and $title -eq 'CommonParameters') {
                    $doc.HasCommonParameters = $true
                    $heading = $null
                }
                elseif ($section -eq 'PARAMETERS') {
                    $heading = $title.TrimStart('-')
                    $doc.Parameters[$heading] = [System.Collections.Generic.List[hashtable]]::new()
                }
                continue
            }
            if ($line -match '^```(\w*)') {
                if ($section -eq 'PARAMETERS' -and $Matches[1] -eq 'yaml' -and $heading) {
                    $fence = 'yaml'
                    $doc.Parameters[$heading].Add(@{})
                }
                elseif ($section -eq 'SYNTAX' -and $heading) { $fence = 'syntax' }
                else { $fence = 'other' }
            }
        }
        $doc
    }

    function Get-ExpectedPipelineInput([System.Management.Automation.ParameterMetadata]$Parameter) {
        $byValue = @($Parameter.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0
        $byName = @($Parameter.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
        $kinds = @(if ($byValue) { 'ByValue' }; if ($byName) { 'ByPropertyName' })
        if ($kinds.Count -eq 0) { 'False' } else { "True ($($kinds -join ', '))" }
    }

    function Split-List([string]$Value) {
        @($Value -split ',' | ForEach-Object Trim | Where-Object { $_ -and $_ -ne 'None' })
    }
}

Describe 'The help files of the built module' {
    It 'has the MAML help and the about topic in out/ArtRest/en-US' {
        $base = Join-Path $Module.ModuleBase 'en-US'
        Join-Path $base 'ArtRest.dll-Help.xml' | Should -Exist
        Join-Path $base 'about_ArtRest.help.txt' | Should -Exist
    }

    It 'has a doc for exactly the exported cmdlets' {
        $documented = Get-ChildItem $DocsDir -Filter '*.md' | Where-Object Name -notlike 'about_*' | ForEach-Object BaseName | Sort-Object
        $exported = $Module.ExportedCmdlets.Keys | Sort-Object
        ($documented -join ', ') | Should -BeExactly ($exported -join ', ')
    }

    It 'the manifest lists the same cmdlets the tests were discovered from' {
        ($Module.ExportedCmdlets.Keys | Sort-Object) -join ', ' | Should -BeExactly ($CmdletNames -join ', ')
    } -TestCases @{ CmdletNames = $CmdletNames }
}

Describe 'Get-Help <_> -Full' -ForEach $CmdletNames {
    BeforeAll {
        $name = $_
        $help = Get-Help $name -Full
    }

    It 'shows a synopsis written by hand, not the generated syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$name *"
        $help.Synopsis | Should -Not -Match '\[<CommonParameters>\]'
    }

    It 'shows a description' {
        (@($help.description).Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $undescribed = foreach ($parameter in Get-RealParameter $name) {
            $entry = @($help.parameters.parameter) | Where-Object name -eq $parameter.Name
            if (-not $entry -or -not (@($entry.description).Text -join '').Trim()) { $parameter.Name }
        }
        $undescribed | Should -BeNullOrEmpty -Because "every parameter of $name needs a description in docs/$name.md"
    }

    It 'shows at least three examples, each with code' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 3
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            $example.title | Should -Match 'Example \d+'
        }
    }

    It 'shows inputs, outputs and related links' {
        @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        @($help.returnValues.returnValue).Count | Should -BeGreaterThan 0
        @($help.relatedLinks.navigationLink).Count | Should -BeGreaterThan 1
    }
}

Describe 'Get-Help about_ArtRest' {
    BeforeAll {
        $about = Get-Help about_ArtRest -ErrorAction Stop
        $text = $about | Out-String
    }

    It 'finds the topic, with its short description as the synopsis' {
        $about | Should -Not -BeNullOrEmpty
        $text | Should -Match 'SHORT DESCRIPTION'
        $about.Synopsis | Should -Not -BeNullOrEmpty
    }

    It 'covers <_>' -ForEach @(
        'ArtPushOutcomeUnknown', 'ArtRbacForbidden', 'ART_CLIENT_SECRET', 'Retry-After', 'DPAPI', 'single-flight', 'demo-client-secret'
    ) {
        $text | Should -Match ([regex]::Escape($_))
    }

    It 'lists every ErrorId the module can raise' {
        $errorsSource = Get-Content -Raw (Join-Path $RepoRoot 'src/ArtRest/Commands/ArtErrors.cs')
        $ids = [regex]::Matches($errorsSource, '\("(Art\w+)", ErrorCategory\.(\w+)') | ForEach-Object { $_.Groups[1].Value }
        $ids.Count | Should -BeGreaterThan 20
        $missing = $ids | Where-Object { $text -notmatch "\b$_\b" }
        $missing | Should -BeNullOrEmpty
    }
}

Describe 'docs/<_>.md matches the cmdlet' -ForEach $CmdletNames {
    BeforeAll {
        $name = $_
        $path = Join-Path $DocsDir "$name.md"
        $command = Get-Command $name -Module ArtRest
        $real = @{}
        foreach ($parameter in Get-RealParameter $name) { $real[$parameter.Name] = $parameter }
        $doc = if (Test-Path $path) { Read-CommandDoc $path }
    }

    It 'exists' {
        $path | Should -Exist
    }

    It 'documents every parameter' {
        $real.Keys | Where-Object { -not $doc.Parameters.Contains($_) } | Should -BeNullOrEmpty
    }

    It 'documents only parameters that exist' {
        $doc.Parameters.Keys | Where-Object { -not $real.ContainsKey($_) } | Should -BeNullOrEmpty
    }

    It 'has the CommonParameters section' {
        $doc.HasCommonParameters | Should -BeTrue
    }

    It 'gives each parameter a yaml block with every field' {
        $fields = 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'
        $problems = foreach ($entry in $doc.Parameters.GetEnumerator()) {
            if ($entry.Value.Count -eq 0) { "-$($entry.Key): no yaml block"; continue }
            foreach ($yaml in $entry.Value) {
                foreach ($field in $fields) { if (-not $yaml.ContainsKey($field)) { "-$($entry.Key): no '$field'" } }
            }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'documents each parameter''s real type' {
        $problems = foreach ($entry in $doc.Parameters.GetEnumerator() | Where-Object { $real.ContainsKey($_.Key) }) {
            $type = $real[$entry.Key].ParameterType
            foreach ($yaml in $entry.Value) {
                if ($yaml.Type -ne $type.Name -and $yaml.Type -ne $type.FullName) { "-$($entry.Key): documented $($yaml.Type), is $($type.Name)" }
            }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'documents pipeline input as the cmdlet accepts it' {
        $problems = foreach ($entry in $doc.Parameters.GetEnumerator() | Where-Object { $real.ContainsKey($_.Key) }) {
            $expected = Get-ExpectedPipelineInput $real[$entry.Key]
            foreach ($yaml in $entry.Value) {
                if ($yaml.'Accept pipeline input' -ne $expected) { "-$($entry.Key): documented '$($yaml.'Accept pipeline input')', is '$expected'" }
            }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'documents the real aliases' {
        $problems = foreach ($entry in $doc.Parameters.GetEnumerator() | Where-Object { $real.ContainsKey($_.Key) }) {
            $expected = @($real[$entry.Key].Aliases | Sort-Object) -join ', '
            foreach ($yaml in $entry.Value) {
                $documented = @(Split-List $yaml.Aliases | Sort-Object) -join ', '
                if ($documented -ne $expected) { "-$($entry.Key): documented '$documented', is '$expected'" }
            }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'documents the parameter sets, and Required and Position in each' {
        $problems = foreach ($entry in $doc.Parameters.GetEnumerator() | Where-Object { $real.ContainsKey($_.Key) }) {
            $sets = $real[$entry.Key].ParameterSets
            $covered = [System.Collections.Generic.List[string]]::new()
            foreach ($yaml in $entry.Value) {
                $documentedSets = @(Split-List $yaml.'Parameter Sets')
                $names = if ($documentedSets -contains '(All)') { @($sets.Keys) } else { $documentedSets }
                foreach ($key in $names) {
                    if (-not $sets.ContainsKey($key)) { "-$($entry.Key): not in set '$key'"; continue }
                    $covered.Add($key)
                    $metadata = $sets[$key]
                    $position = if ($metadata.Position -eq [int]::MinValue) { 'Named' } else { "$($metadata.Position)" }
                    if ($yaml.Position -ne $position) { "-$($entry.Key) [$key]: Position documented $($yaml.Position), is $position" }
                    if (($yaml.Required -eq 'True') -ne $metadata.IsMandatory) { "-$($entry.Key) [$key]: Required documented $($yaml.Required), is $($metadata.IsMandatory)" }
                }
                if ($documentedSets -contains '(All)' -and -not $sets.ContainsKey('__AllParameterSets')) {
                    "-$($entry.Key): documented in (All) sets, is only in $(@($sets.Keys) -join ', ')"
                }
            }
            $sets.Keys | Where-Object { $covered -notcontains $_ } | ForEach-Object { "-$($entry.Key): set '$_' not documented" }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'has one SYNTAX block per parameter set, naming that set''s parameters' {
        $expectedSets = @($command.ParameterSets | ForEach-Object Name | Sort-Object)
        (@($doc.Syntax.Keys | Sort-Object) -join ', ') | Should -BeExactly ($expectedSets -join ', ')
        $problems = foreach ($set in $command.ParameterSets) {
            $expected = @($set.Parameters | Where-Object { $CommonParameterNames -notcontains $_.Name } | ForEach-Object Name | Sort-Object) -join ', '
            $documented = @($doc.Syntax[$set.Name] | Sort-Object) -join ', '
            if ($documented -ne $expected) { "$($set.Name): documented [$documented], is [$expected]" }
        }
        $problems | Should -BeNullOrEmpty
    }
}
