# What the OlState Pester files share: the module under test, the simulator
# driver, unique profiles, and a bridge host (olstate-monitor --serve) in
# another process.

function Import-OlStateUnderTest {
    # -Global: imported from inside this helper module, it would otherwise be visible here only.
    Import-Module $env:OLSTATE_PS_MODULE -Force -Global
    if (-not ('OlStateSimulator' -as [type])) {
        Add-Type -Path (Join-Path $PSScriptRoot 'SimulatorDriver.cs')
    }
    if (-not ('ChangeDoneHolder' -as [type])) {
        Add-Type -Path (Join-Path $PSScriptRoot 'ChangeHolder.cs') -ReferencedAssemblies @((Join-Path (Get-Module OlState).ModuleBase 'OlState.dll'), 'netstandard', 'System.Threading', 'System.Runtime')
    }
    $native = Join-Path (Get-Module OlState).ModuleBase 'runtimes/linux-x64/native/libolstate_sim.so'
    [OlStateSimulator]::Load($native)
}

function New-TestProfile { 'ps-' + [guid]::NewGuid().ToString('N').Substring(0, 12) }

function New-PrivateFolder {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ('olstate-ps-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $dir | Out-Null
    chmod 700 $dir
    $dir
}

# Starts olstate-monitor --serve over the simulator; returns the process once it serves.
function Start-BridgeHost([string]$Endpoint, [string]$Profile, [switch]$AllowSet, [hashtable]$Environment = @{}) {
    $psi = [Diagnostics.ProcessStartInfo]::new($env:OLSTATE_MONITOR)
    foreach ($a in @('--provider', 'simulator', '--profile', $Profile, '--serve') +
                   $(if ($Endpoint) { @('--endpoint', $Endpoint) } else { @() }) +
                   $(if ($AllowSet) { @('--allow-set') } else { @() })) { $psi.ArgumentList.Add($a) }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ([DateTime]::UtcNow -lt $deadline) {
        $line = $p.StandardOutput.ReadLine()
        if ($null -eq $line) { break }
        if ($line.StartsWith('serving:')) { return $p }
    }
    $p.Kill(); throw "the bridge host did not start: $($p.StandardError.ReadToEnd())"
}

function Stop-BridgeHost($Process) {
    if ($Process -and -not $Process.HasExited) {
        kill -TERM $Process.Id
        if (-not $Process.WaitForExit(30000)) { $Process.Kill() }
    }
}

# Starts a program in the background with each argument passed as is
# (Start-Process would join them with spaces).
function Start-Background([string]$File, [string[]]$Arguments) {
    $psi = [Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    [Diagnostics.Process]::Start($psi)
}

# A bridge host that starts in two seconds, in another process: for a client
# that must open before any host runs. Returns a private endpoint and the
# process (stop it with Stop-BridgeHost).
function Start-LateBridgeHost([string]$Profile) {
    $endpoint = Join-Path (New-PrivateFolder) 'later.sock'
    $process = Start-Background bash '-c', "sleep 2; exec '$env:OLSTATE_MONITOR' --provider simulator --profile $Profile --serve --endpoint '$endpoint' >/dev/null"
    @{ Endpoint = $endpoint; Process = $process }
}

Export-ModuleMember -Function *
