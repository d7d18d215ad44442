# Get-OutlookConnection, Wait-OutlookConnection and the connection events
# (ABI 1.3) against the simulator in this process.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OlStateUnderTest
    # The issue's sequence from the start mode CachedConnectedFull (700): each step is one change.
    $script:sequence = [uint32[]](400, 500, 700, 200, 600, 800, 300, 0, 700)
    $script:names = @{ 0 = 'NoExchange'; 100 = 'Offline'; 200 = 'CachedOffline'; 300 = 'Disconnected'; 400 = 'CachedDisconnected'
                       500 = 'CachedConnectedHeaders'; 600 = 'CachedConnectedDrizzle'; 700 = 'CachedConnectedFull'; 800 = 'Online' }
}

Describe 'Get-OutlookConnection' {
    It 'returns the mode, Offline and the accounts' {
        $p = New-TestProfile
        $c = Get-OutlookConnection -Profile $p
        $c | Should -BeOfType 'OlState.PowerShell.OutlookConnection'
        $c.Profile | Should -Be $p
        $c.ConnectionMode | Should -Be 'CachedConnectedFull'
        $c.IsConnected | Should -BeTrue
        $c.IsOffline | Should -BeFalse
        @($c.Accounts).Count | Should -Be 1
        $c.Accounts[0].DisplayName | Should -Be 'user@example.com'
        $c.Accounts[0].Type | Should -Be 'Exchange'
        $c.Accounts[0].ConnectionMode | Should -Be 'CachedConnectedFull'
    }

    It 'follows the simulator: a stale cache and a second account' {
        $p = New-TestProfile
        [OlStateSimulator]::SetConnectionMode($p, 400)
        [OlStateSimulator]::AddAccount($p, 'Shared', 'shared@example.com', 0, 400)
        $c = Get-OutlookConnection -Profile $p
        $c.ConnectionMode | Should -Be 'CachedDisconnected'
        $c.IsConnected | Should -BeFalse
        $c.IsOffline | Should -BeTrue
        $c.Accounts.DisplayName | Should -Be @('user@example.com', 'Shared')
        $c.Accounts[1].SmtpAddress | Should -Be 'shared@example.com'
        ($c | Out-String -Width 160) | Should -Match 'CachedDisconnected\s+True\s+user@example.com \(CachedConnectedFull\), Shared \(CachedDisconnected\)'
    }

    It 'is OlState.NotSupported when the provider cannot report it' {
        $p = New-TestProfile
        [OlStateSimulator]::SetConnectionReported($p, $false)
        try {
            $e = { Get-OutlookConnection -Profile $p } | Should -Throw -PassThru
            $e.FullyQualifiedErrorId | Should -Be 'OlState.NotSupported,OlState.PowerShell.GetOutlookConnectionCommand'
            $e.Exception.Message | Should -Match 'Capabilities.ConnectionMode'
        } finally { [OlStateSimulator]::SetConnectionReported($p, $true) }
    }

    It 'is OlState.ProviderFailed when Outlook cannot be read' {
        [OlStateSimulator]::FailNextPoll(0x80040115)   # MAPI_E_NETWORK_ERROR (a negative Int32 in PowerShell)
        $e = { Get-OutlookConnection -Profile (New-TestProfile) } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'OlState.ProviderFailed,OlState.PowerShell.GetOutlookConnectionCommand'
    }
}

Describe 'Wait-OutlookConnection' {
    It 'returns at once when Exchange is connected' {
        $r = Wait-OutlookConnection -Profile (New-TestProfile) -Timeout 30 -PassThru
        $r.ConnectionMode | Should -Be 'CachedConnectedFull'
    }

    It 'waits for a connected mode, not just any change' {
        $p = New-TestProfile
        [OlStateSimulator]::SetConnectionMode($p, 400)
        $null = [OlStateSimulator]::SetConnectionModesLater($p, [uint32[]](200, 300, 500), 300)
        $r = Wait-OutlookConnection -Profile $p -Timeout 30 -PassThru
        $r.ConnectionMode | Should -Be 'CachedConnectedHeaders'
    }

    It 'waits for the modes given with -Mode' {
        $p = New-TestProfile
        $null = [OlStateSimulator]::SetConnectionModesLater($p, [uint32[]](800, 400), 300)
        $r = Wait-OutlookConnection -Profile $p -Mode CachedDisconnected, Disconnected -Timeout 30 -PassThru
        $r.ConnectionMode | Should -Be 'CachedDisconnected'
    }

    It 'is a terminating OlState.WaitTimeout error on timeout' {
        $p = New-TestProfile
        [OlStateSimulator]::SetConnectionMode($p, 400)
        $e = { Wait-OutlookConnection -Profile $p -Timeout 0.3 } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'OlState.WaitTimeout,OlState.PowerShell.WaitOutlookConnectionCommand'
        $e.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $e.Exception.Message | Should -Match 'was not connected within 0.3 s'
    }

    It 'rejects a mode that does not exist' {
        $e = { Wait-OutlookConnection -Mode Sideways } | Should -Throw -PassThru
        $e.Exception | Should -BeOfType [System.Management.Automation.ParameterBindingException]
    }
}

Describe 'connection events' {
    AfterEach { Get-EventSubscriber | Unregister-Event }

    It 'Watch-OutlookState writes the mode sequence in order, once per change' {
        $p = New-TestProfile
        # Each mode twice: the repeat changes nothing and must write nothing.
        $twice = [uint32[]]($sequence | ForEach-Object { $_, $_ })
        $null = [OlStateSimulator]::SetConnectionModesLater($p, $twice, 300)
        $events = @(Watch-OutlookState -Profile $p -Count $sequence.Count)
        $events.Kind | ForEach-Object { $_ | Should -Be 'ConnectionChanged' }
        $expected = for ($i = 0; $i -lt $sequence.Count; $i++) {
            $old = if ($i -eq 0) { 700 } else { $sequence[$i - 1] }
            "$($names[[int]$old]) -> $($names[[int]$sequence[$i]])"
        }
        ($events | ForEach-Object { "$($_.OldMode) -> $($_.NewMode)" }) | Should -Be $expected
        for ($i = 1; $i -lt $events.Count; $i++) { $events[$i].Sequence | Should -Be ($events[$i - 1].Sequence + 1) }
        ($events[0] | Out-String -Width 120) | Should -Match 'ConnectionChanged\s+CachedConnectedFull\s+CachedDisconnected\s+False'
    }

    It 'Register-OutlookStateEvent queues account changes with their modes' {
        $p = New-TestProfile
        Register-OutlookStateEvent -Profile $p -SourceIdentifier OlStateTestAccount
        [OlStateSimulator]::AddAccount($p, 'Shared', 'shared@example.com', 0, 500)
        [OlStateSimulator]::RemoveAccount($p, 'Shared')
        Wait-Event -SourceIdentifier OlStateTestAccount -Timeout 30 | Should -Not -BeNullOrEmpty   # Get-Event fails while none arrived
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (@(Get-Event -SourceIdentifier OlStateTestAccount).Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $all = @(Get-Event -SourceIdentifier OlStateTestAccount) | Sort-Object { $_.SourceEventArgs.Sequence }
        $all.SourceEventArgs.Kind | Should -Be @('AccountChanged', 'AccountChanged')
        $all | ForEach-Object { "$($_.SourceEventArgs.OldMode) -> $($_.SourceEventArgs.NewMode)" } |
            Should -Be @('Unknown -> CachedConnectedHeaders', 'CachedConnectedHeaders -> Unknown')
        Remove-Event -SourceIdentifier OlStateTestAccount
    }
}
