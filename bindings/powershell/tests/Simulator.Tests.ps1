# The cmdlets against the simulator in this process.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OlStateUnderTest
}

Describe 'Get-OutlookState' {
    It 'returns an object with the facts' {
        $p = New-TestProfile
        $s = Get-OutlookState -Profile $p
        $s | Should -BeOfType 'OlState.PowerShell.OutlookState'
        $s.State | Should -Be 'Online'
        $s.Capabilities | Should -Be 'Offline, Online, ConnectionMode'
        $s.Profile | Should -Be $p
        $s.Provider | Should -Be 'Simulator'
        # The simulator beside the module's own native library: Import-Module found its natives.
        $s.ProviderPath | Should -Be (Join-Path (Get-Module OlState).ModuleBase 'runtimes/linux-x64/native/libolstate_sim.so')
        $s.LibraryVersion | Should -Be $env:OLSTATE_VERSION
    }

    It 'says NotSupported for the Outlook provider outside Windows' {
        { Get-OutlookState -Provider Outlook } | Should -Throw -ErrorId 'OlState.NotSupported,OlState.PowerShell.GetOutlookStateCommand'
    }

    It 'says ProviderNotFound when no bridge serves the endpoint' {
        $e = { Get-OutlookState -Endpoint '/nonexistent-olstate/b.sock' } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'OlState.ProviderNotFound,*'
        $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $e.Exception.Code | Should -Be 'ProviderNotFound'
    }

    It 'refuses -Endpoint with another provider' {
        { Get-OutlookState -Provider Simulator -Endpoint '/tmp/x.sock' } | Should -Throw -ErrorId 'OlState.EndpointWithoutBridge,*'
    }
}

Describe 'The 1.3 open options (-NoFallback, -ConnectionPollInterval)' {
    # The library checks both: each refusal comes from C (its message names
    # the field), so it proves the parameter reached it.
    It 'refuses -NoFallback with a provider other than Auto' {
        $e = { Get-OutlookState -Provider Simulator -Profile (New-TestProfile) -NoFallback } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'OlState.InvalidArgument,OlState.PowerShell.GetOutlookStateCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -BeLike '*NO_FALLBACK*'
    }

    It 'refuses -ConnectionPollInterval <_> s (out of range, or a fraction of a millisecond rounded up)' -ForEach @(0.05, 86400.001, 5184000, 0.0005) {
        $e = { Get-OutlookConnection -Profile (New-TestProfile) -ConnectionPollInterval $_ } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'OlState.InvalidArgument,OlState.PowerShell.GetOutlookConnectionCommand'
        $e.Exception.Message | Should -BeLike '*connection_poll_ms*'
    }

    It 'refuses an interval with the simulator, which reads no object model' {
        $e = { Get-OutlookState -Provider Simulator -Profile (New-TestProfile) -ConnectionPollInterval 0.25 } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'OlState.InvalidArgument,OlState.PowerShell.GetOutlookStateCommand'
    }

    It 'refuses a negative interval before the library' {
        { Get-OutlookState -ConnectionPollInterval -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,OlState.PowerShell.GetOutlookStateCommand'
    }

    It 'passes a valid interval to ObjectModel, which is NotSupported outside Windows' {
        { Get-OutlookState -Provider ObjectModel -ConnectionPollInterval 0.25 } | Should -Throw -ErrorId 'OlState.NotSupported,OlState.PowerShell.GetOutlookStateCommand'
    }

    It 'opens Auto (the simulator outside Windows, no fallback) with both at <_> s' -ForEach @(0.1, 0.25, 86400) {
        $s = Get-OutlookState -Profile (New-TestProfile) -NoFallback -ConnectionPollInterval $_
        $s.Provider | Should -Be 'Simulator'
    }
}

Describe 'Set-OutlookState' {
    It 'does nothing with -WhatIf' {
        $p = New-TestProfile
        Set-OutlookState -Profile $p -State Offline -WhatIf
        [OlStateSimulator]::GetState($p) | Should -Be 2
    }

    It 'switches and waits with -Wait' {
        $p = New-TestProfile
        $r = Set-OutlookState -Profile $p -State Offline -Wait -PassThru -Confirm:$false
        $r.State | Should -Be 'Offline'
        [OlStateSimulator]::GetState($p) | Should -Be 1
        Set-OutlookState -Profile $p Online -Wait
        (Get-OutlookState -Profile $p).State | Should -Be 'Online'
    }

    It 'supports -WhatIf and -Confirm (ShouldProcess)' {
        $cmd = Get-Command Set-OutlookState
        $cmd.Parameters.Keys | Should -Contain 'WhatIf'
        $cmd.Parameters.Keys | Should -Contain 'Confirm'
        $p = New-TestProfile
        $ConfirmPreference = 'Low'   # asks for Medium impact now; -Confirm:$false overrides it
        Set-OutlookState -Profile $p -State Offline -Wait -Confirm:$false
        [OlStateSimulator]::GetState($p) | Should -Be 1
    }

    It 'returns at the end of the change: a next change right after is never Busy' {
        # The library's wait ends at the ChangeDone that reaches the state;
        # ending at an earlier event of the change left it in flight (Busy).
        $p = New-TestProfile
        for ($i = 0; $i -lt 25; $i++) {
            Set-OutlookState -Profile $p -State Offline -Wait -Timeout 30
            Set-OutlookState -Profile $p -State Online -Wait -Timeout 30
        }
        [OlStateSimulator]::GetState($p) | Should -Be 2
    }

    It 'is a terminating OlState.WaitTimeout error when -Timeout passes first' {
        $p = New-TestProfile
        $holder = [ChangeDoneHolder]::new($p)   # the change cannot end meanwhile
        try {
            $e = { Set-OutlookState -Profile $p -State Offline -Wait -Timeout 0.5 } | Should -Throw -PassThru
            $e.FullyQualifiedErrorId | Should -Be 'OlState.WaitTimeout,OlState.PowerShell.SetOutlookStateCommand'
            $e.Exception | Should -BeOfType [TimeoutException]
        } finally { $holder.Dispose() }
        Wait-OutlookState -Profile $p -State Offline -Timeout 30   # the change itself goes on
    }

    It 'rejects other states' {
        { Set-OutlookState -State Sideways } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }
}

Describe 'Wait-OutlookState' {
    It 'returns at once when the state is there' {
        $t = Measure-Command { Wait-OutlookState -Profile (New-TestProfile) -State Online -Timeout 10 }
        $t.TotalSeconds | Should -BeLessThan 10
    }

    It 'returns when the change happens' {
        $p = New-TestProfile
        $null = [OlStateSimulator]::SetStateLater($p, 1, 300)
        $r = Wait-OutlookState -Profile $p -State Offline -Timeout 30 -PassThru
        $r.State | Should -Be 'Offline'
    }

    It 'returns at the end of a change made elsewhere: a change right after is never Busy' {
        $p = New-TestProfile
        for ($i = 0; $i -lt 25; $i++) {
            # The user goes offline (on another thread), we wait for it and go back online.
            $null = [OlStateSimulator]::SetStateLater($p, 1, 0)
            Wait-OutlookState -Profile $p -State Offline -Timeout 30
            # No change is in flight any more: asking for one now is accepted.
            Set-OutlookState -Profile $p -State Online
            Wait-OutlookState -Profile $p -State Online -Timeout 30
        }
    }

    It '<Command> returns at the end of the change, not in its middle' -ForEach @(
        @{ Command = 'Wait-OutlookState -State Offline -Timeout 60'; UserChanges = $true }
        @{ Command = 'Set-OutlookState -State Offline -Wait -Timeout 60'; UserChanges = $false }
    ) {
        $p = New-TestProfile
        $holder = [ChangeDoneHolder]::new($p)   # advised first: the ChangeDone stops there
        $ps = [PowerShell]::Create()
        try {
            $before = [OlStateSimulator]::AdvisedSinks()
            $null = $ps.AddScript("Import-Module '$env:OLSTATE_PS_MODULE'; $Command -Profile $p")
            $async = $ps.BeginInvoke()
            if ($UserChanges) {
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while ([OlStateSimulator]::AdvisedSinks() -le $before -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                $null = [OlStateSimulator]::SetStateLater($p, 1, 0)
            }
            $holder.Holding.Wait(30000) | Should -BeTrue
            Start-Sleep -Milliseconds 500
            # The state is Offline, but the wait's session has not seen the change end.
            $async.IsCompleted | Should -BeFalse
            $holder.Release()
            $async.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
            $null = $ps.EndInvoke($async)
            $ps.HadErrors | Should -BeFalse
        } finally {
            $holder.Dispose()
            $ps.Dispose()
        }
    }

    It 'is a terminating error on timeout' {
        $e = { Wait-OutlookState -Profile (New-TestProfile) -State Offline -Timeout 0.3 } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'OlState.WaitTimeout,OlState.PowerShell.WaitOutlookStateCommand'
        $e.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $e.Exception | Should -BeOfType [TimeoutException]
    }

    It 'gives a scheduled task a failing exit code on timeout' {
        # The way a task runs a script: a fresh pwsh whose last command failed.
        $out = & $env:OLSTATE_PWSH -NoProfile -NonInteractive -Command "Import-Module '$env:OLSTATE_PS_MODULE'; Wait-OutlookState -State Offline -Timeout 0.2" 2>&1
        $LASTEXITCODE | Should -Be 1
        ($out | Out-String) | Should -Match 'did not become Offline within 0.2 s'
        $out = & $env:OLSTATE_PWSH -NoProfile -NonInteractive -Command "Import-Module '$env:OLSTATE_PS_MODULE'; Wait-OutlookState -State Online -Timeout 5" 2>&1
        ($out | Out-String) | Should -BeNullOrEmpty
        $LASTEXITCODE | Should -Be 0
    }
}

Describe 'Watch-OutlookState' {
    It 'writes one object per event and stops after -Count' {
        $p = New-TestProfile
        $cts = [OlStateSimulator]::ToggleInBackground($p, 300, 100)
        try {
            $events = @(Watch-OutlookState -Profile $p -Count 6)
        } finally { $cts.Cancel() }
        $events.Count | Should -Be 6
        $events | ForEach-Object { $_ | Should -BeOfType 'OlState.ConnectionStateChange' }
        $events.Kind | ForEach-Object { $_ | Should -BeIn 'ChangeStart', 'Change', 'ChangeDone' }
        # Consecutive: nothing was lost between the pipeline and olstate.
        for ($i = 1; $i -lt 6; $i++) { $events[$i].Sequence | Should -Be ($events[$i - 1].Sequence + 1) }
        # One whole change (START, CHANGE, DONE) is among six consecutive events.
        ($events.Kind -join ',') | Should -Match 'ChangeStart,Change,ChangeDone'
    }
}

Describe 'Watch-OutlookState -IncludeCurrentState' {
    It 'writes the state first, then every change' {
        $p = New-TestProfile
        $null = [OlStateSimulator]::SetStateLater($p, 1, 300)
        $events = @(Watch-OutlookState -Profile $p -IncludeCurrentState -Count 4)
        ($events.Kind -join ',') | Should -Be 'Current,ChangeStart,Change,ChangeDone'
        $events[0].OldState | Should -Be 'Online'
        $events[0].NewState | Should -Be 'Online'
        $events[1].Sequence | Should -Be ($events[0].Sequence + 1)
        $events[3].NewState | Should -Be 'Offline'
    }

    It 'writes no Current object without it' {
        $p = New-TestProfile
        $null = [OlStateSimulator]::SetStateLater($p, 1, 300)
        $events = @(Watch-OutlookState -Profile $p -Count 1)
        $events[0].Kind | Should -Be 'ChangeStart'
    }
}

Describe 'Ctrl-C' {
    It 'stops <_> at once' -ForEach @('Watch-OutlookState', 'Wait-OutlookState -State Offline') {
        # PowerShell.Stop() is what Ctrl-C does to the running pipeline.
        $ps = [PowerShell]::Create()
        $null = $ps.AddScript("Import-Module '$env:OLSTATE_PS_MODULE'; $_ -Profile $(New-TestProfile)")
        $async = $ps.BeginInvoke()
        Start-Sleep -Milliseconds 500
        $async.IsCompleted | Should -BeFalse   # still watching / waiting
        $t = Measure-Command { $ps.Stop() }
        $t.TotalSeconds | Should -BeLessThan 10
        $async.IsCompleted | Should -BeTrue
        $ps.Dispose()
    }
}

Describe 'Register-OutlookStateEvent' {
    AfterEach { Get-EventSubscriber | Unregister-Event }

    It 'runs -Action for each event, like Register-ObjectEvent' {
        $p = New-TestProfile
        $global:OlStateSeen = [Collections.Concurrent.ConcurrentQueue[object]]::new()
        $job = Register-OutlookStateEvent -Profile $p -SourceIdentifier OlStateTestAction -MessageData 'data' -Action {
            $global:OlStateSeen.Enqueue("$($EventArgs.Sequence) $($EventArgs.Kind) $($EventArgs.NewState) $($Event.MessageData)")
        }
        $job | Should -BeOfType 'System.Management.Automation.PSEventJob'
        Set-OutlookState -Profile $p -State Offline
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ($global:OlStateSeen.Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        # PowerShell's event manager may run the actions of events that arrive
        # together in another order; the Sequence tells the true one.
        @($global:OlStateSeen | Sort-Object) | Should -Be @('1 ChangeStart Offline data', '2 Change Offline data', '3 ChangeDone Offline data')
    }

    It 'queues events for Wait-Event without -Action' {
        $p = New-TestProfile
        Register-OutlookStateEvent -Profile $p -SourceIdentifier OlStateTestQueue | Should -BeNullOrEmpty
        $null = [OlStateSimulator]::SetStateLater($p, 1, 100)
        $e = Wait-Event -SourceIdentifier OlStateTestQueue -Timeout 30
        $e | Should -Not -BeNullOrEmpty
        $e.SourceEventArgs.NewState | Should -Be 'Offline'
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (@(Get-Event -SourceIdentifier OlStateTestQueue).Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $all = @(Get-Event -SourceIdentifier OlStateTestQueue) | Sort-Object { $_.SourceEventArgs.Sequence }
        $all.SourceEventArgs.Kind | Should -Be @('ChangeStart', 'Change', 'ChangeDone')
        Remove-Event -SourceIdentifier OlStateTestQueue
    }

    It 'queues a Current event first with -IncludeCurrentState' {
        $p = New-TestProfile
        Set-OutlookState -Profile $p -State Offline -Wait
        Register-OutlookStateEvent -Profile $p -SourceIdentifier OlStateTestCurrent -IncludeCurrentState
        $e = Wait-Event -SourceIdentifier OlStateTestCurrent -Timeout 30
        $e | Should -Not -BeNullOrEmpty
        $e.SourceEventArgs.Kind | Should -Be 'Current'
        $e.SourceEventArgs.NewState | Should -Be 'Offline'
        Remove-Event -SourceIdentifier OlStateTestCurrent
    }

    It 'closes its session on Unregister-Event' {
        $before = [OlStateSimulator]::AdvisedSinks()
        Register-OutlookStateEvent -Profile (New-TestProfile) -SourceIdentifier OlStateTestClose
        [OlStateSimulator]::AdvisedSinks() | Should -Be ($before + 1)
        Unregister-Event -SourceIdentifier OlStateTestClose
        [OlStateSimulator]::AdvisedSinks() | Should -Be $before
    }
}
