# Runs the Pester suite (meson suite 'powershell'); exits non-zero on any failure.
# env: OLSTATE_PS_MODULE (the built module's manifest), OLSTATE_MONITOR,
#      OLSTATE_VERSION, OLSTATE_PESTER (the Pester module folder), OLSTATE_PWSH (this pwsh,
#      for tests that start a fresh one)
param([Parameter(ValueFromRemainingArguments = $true)][string[]]$Path)
if (-not $Path) { $Path = @($PSScriptRoot) }
$ErrorActionPreference = 'Stop'
Import-Module $env:OLSTATE_PESTER -MinimumVersion 5.0
$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.Exit = $true
$config.Output.Verbosity = 'Detailed'
Invoke-Pester -Configuration $config
