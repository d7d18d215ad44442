# Get-OutlookKind (olstate_detect_outlook): the object and, outside Windows,
# the None answer. The Windows facts are tested in C under Wine
# (tests/win/detect_outlook.cpp).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OlStateUnderTest
}

Describe 'Get-OutlookKind' {
    It 'returns one OutlookDetection object' {
        $k = @(Get-OutlookKind)
        $k.Count | Should -Be 1
        $k[0] | Should -BeOfType 'OlState.OutlookDetection'
        [enum]::GetNames([OlState.OutlookKind]) | Should -Be @('None', 'Classic', 'New', 'Both')
    }

    It 'finds no Outlook outside Windows' -Skip:($IsWindows) {
        $k = Get-OutlookKind
        $k.Verdict | Should -Be 'None'
        $k.ClassicInstalled | Should -BeFalse
        $k.ClassicBitness | Should -Be 0
        $k.ClassicVersion | Should -Be ''
        $k.ClassicRunning | Should -BeFalse
        $k.NewRunning | Should -BeFalse
        $k.NewSelected | Should -BeFalse
        (Get-OutlookKind | ConvertTo-Json | ConvertFrom-Json).Verdict | Should -Be 0
    }
}
