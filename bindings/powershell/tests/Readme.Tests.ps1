# Every ```powershell block of README.md, run as a user would: the built
# module copied to a fresh temporary modules folder (found by name through
# PSModulePath), a new pwsh per example, no build-tree variables. A bridge
# host (olstate-monitor --serve) runs at the user's default endpoint, placed
# in a private XDG_RUNTIME_DIR, for the bridge example. A block whose first
# line names a *.Tests.ps1 file is run with Invoke-Pester.
BeforeDiscovery {
    $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../README.md')
    $script:examples = [regex]::Matches($readme, '(?s)```powershell\n(.*?)```') | ForEach-Object -Begin { $n = 0 } -Process {
        $n++
        @{ Number = $n; Code = $_.Groups[1].Value; Title = ($_.Groups[1].Value -split "`n")[0] }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:modules = Join-Path $TestDrive 'Modules'
    New-Item -ItemType Directory $modules | Out-Null
    Copy-Item -Recurse (Split-Path $env:OLSTATE_PS_MODULE) (Join-Path $modules 'OlState')
    $script:saved = @{ XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR; PSModulePath = $env:PSModulePath; LD_LIBRARY_PATH = $env:LD_LIBRARY_PATH }
    $env:XDG_RUNTIME_DIR = New-PrivateFolder
    # Only the copied module and Pester (for the test example), not the build tree.
    $env:PSModulePath = $modules + [IO.Path]::PathSeparator + (Split-Path $env:OLSTATE_PESTER)
    $env:LD_LIBRARY_PATH = $null
    $script:bridgeHost = Start-BridgeHost -Profile 'Outlook' -AllowSet
}
AfterAll {
    Stop-BridgeHost $bridgeHost
    foreach ($k in $saved.Keys) { Set-Item "env:$k" $saved[$k] }
}

Describe 'README examples' {
    It 'has its examples' {
        $examples.Count | Should -BeGreaterOrEqual 4
    }

    It 'runs example <Number>: <Title>' -ForEach $examples {
        if ($Title -match '^# (\S+\.Tests\.ps1)') {
            $file = Join-Path $TestDrive $Matches[1]
            Set-Content $file $Code
            $out = & $env:OLSTATE_PWSH -NoProfile -NonInteractive -Command "Invoke-Pester -Path '$file' -CI" 2>&1
            $text = ($out | Out-String) -replace "`e\[[0-9;]*m", ''    # without Pester's colours
            $text | Should -Match 'Tests Passed: [1-9]\d*, Failed: 0'   # it ran tests
        } else {
            $file = Join-Path $TestDrive "example-$Number.ps1"
            Set-Content $file $Code
            $out = & $env:OLSTATE_PWSH -NoProfile -NonInteractive -File $file 2>&1
        }
        $LASTEXITCODE | Should -Be 0 -Because ($out | Out-String)
    }
}
