# The cmdlets through a bridge host in another process (olstate-monitor
# --serve over the simulator), as a script outside Outlook uses them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OlStateUnderTest
    $script:dir = New-PrivateFolder
    $script:ep = Join-Path $dir 'bridge.sock'
    $script:profileName = New-TestProfile
    $script:bridgeHost = Start-BridgeHost -Endpoint $ep -Profile $profileName -AllowSet
}
AfterAll {
    Stop-BridgeHost $bridgeHost
    Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue
}

Describe 'through a bridge host' {
    It 'reads the state the host serves' {
        $s = Get-OutlookState -Endpoint $ep
        $s.Provider | Should -Be 'Bridge'
        $s.Profile | Should -Be $profileName
        $s.ProviderPath | Should -Be $ep
        $s.State | Should -Be 'Online'
    }

    It 'switches the state and waits for it' {
        Set-OutlookState -Endpoint $ep -State Offline -Wait -Timeout 30
        (Get-OutlookState -Endpoint $ep).State | Should -Be 'Offline'
        Set-OutlookState -Endpoint $ep -State Online -Wait -Timeout 30
        (Get-OutlookState -Endpoint $ep).State | Should -Be 'Online'
    }

    It 'waits for a change made by another process' {
        $client = Start-Background $env:OLSTATE_MONITOR '--provider', 'bridge', '--endpoint', $ep, '--set', 'offline'
        Wait-OutlookState -Endpoint $ep -State Offline -Timeout 30
        $client.WaitForExit(30000) | Should -BeTrue
        $client.ExitCode | Should -Be 0
        Set-OutlookState -Endpoint $ep -State Online -Wait
    }

    It 'watches changes made by another process' {
        # Another process toggles the state (at most 20 changes) while we watch.
        $toggler = Start-Background bash '-c', "for i in `$(seq 10); do '$env:OLSTATE_MONITOR' --provider bridge --endpoint '$ep' --set offline --block >/dev/null; sleep 0.2; '$env:OLSTATE_MONITOR' --provider bridge --endpoint '$ep' --set online --block >/dev/null; sleep 0.2; done"
        try {
            $events = @(Watch-OutlookState -Endpoint $ep -Count 6)
        } finally {
            if (-not $toggler.HasExited) { $toggler.Kill() }
            $toggler.WaitForExit(30000) | Out-Null
        }
        $events.Count | Should -Be 6
        ($events.Kind -join ',') | Should -Match 'ChangeStart,Change,ChangeDone'
        Set-OutlookState -Endpoint $ep -State Online -Wait
    }

    It 'refuses to switch when the host does not allow it' {
        $dir2 = New-PrivateFolder
        $ep2 = Join-Path $dir2 'ro.sock'
        $ro = Start-BridgeHost -Endpoint $ep2 -Profile (New-TestProfile)
        try {
            { Set-OutlookState -Endpoint $ep2 -State Offline } | Should -Throw -ErrorId 'OlState.NotSupported,*'
        } finally { Stop-BridgeHost $ro }
    }

    It 'ends Watch-OutlookState with ProviderLost when the host goes away' {
        $dir3 = New-PrivateFolder
        $ep3 = Join-Path $dir3 'gone.sock'
        $gone = Start-BridgeHost -Endpoint $ep3 -Profile (New-TestProfile)
        $stopper = Start-Background bash '-c', "sleep 1; kill -TERM $($gone.Id)"
        $events = @(Watch-OutlookState -Endpoint $ep3)
        $stopper.WaitForExit(30000) | Out-Null
        $events[-1].Kind | Should -Be 'ProviderLost'
    }

    It 'ends Wait-OutlookState with OlState.ProviderNotFound when the host goes away' {
        $dir5 = New-PrivateFolder
        $ep5 = Join-Path $dir5 'lost.sock'
        $lost = Start-BridgeHost -Endpoint $ep5 -Profile (New-TestProfile)
        $stopper = Start-Background bash '-c', "sleep 1; kill -TERM $($lost.Id)"
        { Wait-OutlookState -Endpoint $ep5 -State Offline -Timeout 60 } | Should -Throw -ErrorId 'OlState.ProviderNotFound,*'
        $stopper.WaitForExit(30000) | Out-Null
    }

    It 'watches from the state a host brings with -IncludeCurrentState -Reconnect before Outlook runs' {
        $later = Start-LateBridgeHost (New-TestProfile)
        try {
            $events = @(Watch-OutlookState -Endpoint $later.Endpoint -Reconnect -IncludeCurrentState -Count 1)
            $events[0].Kind | Should -Be 'ProviderBack'   # no state before a host: it brings it
            $events[0].NewState | Should -Be 'Online'
            $events = @(Watch-OutlookState -Endpoint $later.Endpoint -Reconnect -IncludeCurrentState -Count 1)
            $events[0].Kind | Should -Be 'Current'        # a host serves: the state at once
        } finally { Stop-BridgeHost $later.Process }
    }

    It 'waits across an Outlook restart with -Reconnect' {
        # No host yet: it starts two seconds later, in another process.
        $later = Start-LateBridgeHost (New-TestProfile)
        try {
            $r = Wait-OutlookState -Endpoint $later.Endpoint -State Online -Reconnect -Timeout 60 -PassThru
            $r.State | Should -Be 'Online'
            $r.Provider | Should -Be 'Bridge'   # (its Profile is empty: none was served when it opened)
        } finally { Stop-BridgeHost $later.Process }
    }
}
