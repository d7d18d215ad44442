# The module as a whole: manifest, exported cmdlets, help, formats.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OlStateUnderTest
    $script:cmdlets = 'Get-OutlookState', 'Set-OutlookState', 'Wait-OutlookState', 'Watch-OutlookState', 'Register-OutlookStateEvent',
        'Get-OutlookConnection', 'Wait-OutlookConnection', 'Get-OutlookKind'
}

Describe 'the OlState module' {
    It 'has the version of meson.build' {
        $manifest = Test-ModuleManifest (Join-Path (Get-Module OlState).ModuleBase 'OlState.psd1')
        $manifest.Version.ToString() | Should -Be $env:OLSTATE_VERSION
        (Get-Module OlState).Version.ToString() | Should -Be $env:OLSTATE_VERSION
    }

    It 'loads in Windows PowerShell 5.1 and PowerShell 7 (Desktop and Core)' {
        $manifest = Test-ModuleManifest (Join-Path (Get-Module OlState).ModuleBase 'OlState.psd1')
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $manifest.PowerShellVersion.ToString() | Should -Be '5.1'
    }

    It 'exports exactly its eight cmdlets' {
        (Get-Command -Module OlState).Name | Sort-Object | Should -Be ($cmdlets | Sort-Object)
    }

    It 'has native files laid out for every platform it was built for' {
        $base = (Get-Module OlState).ModuleBase
        Join-Path $base 'runtimes/linux-x64/native/libolstate.so' | Should -Exist
        Join-Path $base 'runtimes/linux-x64/native/libolstate_sim.so' | Should -Exist
    }

    It 'has full help for <_>' -ForEach @('Get-OutlookState', 'Set-OutlookState', 'Wait-OutlookState', 'Watch-OutlookState', 'Register-OutlookStateEvent',
                                           'Get-OutlookConnection', 'Wait-OutlookConnection', 'Get-OutlookKind') {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$_ *[<CommonParameters>]*"   # not the generated stand-in
        $help.description.Text | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $documented = @($help.parameters.parameter | Where-Object { $_.description.Text }).name
        foreach ($p in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $documented | Should -Contain $p -Because "every parameter of $_ is described"
        }
    }

    It 'formats OutlookState as a table' {
        $text = Get-OutlookState -Profile (New-TestProfile) | Out-String
        $text | Should -Match 'Profile\s+State\s+Capabilities\s+Provider'
        $text | Should -Match 'Online\s+Offline, Online, ConnectionMode\s+Simulator'
    }

    It 'formats ConnectionStateChange as a table' {
        $p = New-TestProfile
        $null = [OlStateSimulator]::SetStateLater($p, 1, 300)
        $text = Watch-OutlookState -Profile $p -Count 1 | Out-String -Width 120
        $text | Should -Match 'Time\s+Sequence\s+Kind\s+Old\s+New\s+Dropped'
        $text | Should -Match 'ChangeStart\s+Online\s+Offline\s+False'
    }
}
