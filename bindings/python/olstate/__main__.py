"""python -m olstate: the monitor's basic use from Python.

Prints the provider, profile, capabilities and state (and, from a session
with the connection_mode capability, Exchange's connection mode and the
accounts), then each event; the same text and --json shapes as
olstate-monitor. Exits 0 on success and on
Ctrl-C, 1 on an olstate error (or a wait that timed out, or a followed bridge
host that went away without --reconnect), 2 on a usage error.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from typing import List, Optional

from . import AccountType, Capabilities, ConnectionMode, Event, EventKind, OlStateError, Provider, Session, State, library_version
from ._library import LibraryNotFoundError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m olstate",
                                description="Print Outlook's connection state, then every change.")
    p.add_argument("--profile", help="MAPI profile (default: the default profile)")
    p.add_argument("--provider", default="auto",
                   help="auto | outlook | simulator | bridge | object-model | PATH to a provider library")
    p.add_argument("--endpoint", help="with --provider bridge: the bridge endpoint (default: this user's)")
    p.add_argument("--reconnect", action="store_true",
                   help="with --provider bridge: wait for the host, report provider_lost/back")
    p.add_argument("--no-fallback", action="store_true",
                   help="with --provider auto: the bridge alone, never a running Outlook's object model")
    p.add_argument("--poll-interval", type=int, metavar="MS",
                   help="with --provider auto or object-model: read Outlook's connection mode every MS ms")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--count", type=int, metavar="N", help="exit after N events (0: after the facts)")
    p.add_argument("--set", choices=["online", "offline"], help="change the state and exit")
    p.add_argument("--block", action="store_true", help="with --set: return when the change is complete")
    p.add_argument("--wait", choices=["online", "offline"], help="wait until the state is reached and exit")
    p.add_argument("--timeout", type=float, help="with --wait: give up (exit 1) after this many seconds")
    return p


def _provider(name: str) -> Optional[Provider]:
    """The provider a --provider word names; None: a library path."""
    name = name.lower()
    if name in ("auto", "outlook", "simulator", "bridge", "object-model"):
        return Provider[name.upper().replace("-", "_")]
    return None


def _open(a: argparse.Namespace) -> Session:
    provider = _provider(a.provider)
    interval = None if a.poll_interval is None else timedelta(milliseconds=a.poll_interval)
    if provider is not None:
        return Session(a.profile, provider=provider, endpoint=a.endpoint, reconnect=a.reconnect,
                       no_fallback=a.no_fallback, connection_poll_interval=interval)
    return Session(a.profile, provider=Provider.LIBRARY, library=a.provider)


def _facts(s: Session, as_json: bool) -> str:
    info, caps = s.info, s.capabilities
    try:
        state = str(s.state)
    except OlStateError:
        state = "unknown"
    names = [n for n in ("offline", "online") if caps & State[n.upper()]]
    has_connection = bool(caps & Capabilities.CONNECTION_MODE)
    if has_connection:
        names.append("connection_mode")  # as olstate-monitor names it
    if as_json:
        facts = json.dumps({"type": "session", "provider": str(info.provider),
                            "provider_path": info.provider_path, "profile": info.profile,
                            "capabilities": names, "state": state, "olstate_version": library_version()},
                           separators=(",", ":"))
    else:
        facts = (f"provider:     {info.provider} ({info.provider_path})\n"
                 f"profile:      {info.profile}\n"
                 f"capabilities: {','.join(names) or 'none'}\n"
                 f"state:        {state}")
    if has_connection:
        connection = _connection_facts(s, as_json)
        if connection:
            facts += "\n" + connection
    return facts


def _mode_name(mode: "ConnectionMode | int") -> str:
    """A mode as olstate-monitor names it ("unknown" for a value it does not know)."""
    return str(mode) if isinstance(mode, ConnectionMode) else "unknown"


def _type_name(account_type: "AccountType | int") -> str:
    return str(account_type) if isinstance(account_type, AccountType) else "other"


def _connection_facts(s: Session, as_json: bool) -> Optional[str]:
    """The monitor's connection line and one line per account; None (after a
    message on stderr, as the monitor does) when they cannot be read."""
    try:
        mode, offline, accounts = s.connection_mode, s.offline, s.accounts
    except OlStateError as e:
        print(f"python -m olstate: reading the Exchange connection failed: {e}", file=sys.stderr)
        return None
    if as_json:
        return json.dumps({"type": "connection", "mode": _mode_name(mode), "offline": offline,
                           "accounts": [{"display_name": a.display_name, "smtp_address": a.smtp_address or "",
                                         "type": _type_name(a.account_type),
                                         "mode": _mode_name(a.mode)} for a in accounts]},
                          separators=(",", ":"))
    lines = [f"connection:   {_mode_name(mode)}{' (Outlook is offline)' if offline else ''}"]
    lines += [f"account:      {a.display_name} <{a.smtp_address or ''}> {_type_name(a.account_type)}, {_mode_name(a.mode)}"
              for a in accounts]
    return "\n".join(lines)


def _line(e: Event, as_json: bool) -> str:
    if as_json:
        return json.dumps(e.to_dict(), separators=(",", ":"))
    time = e.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    dropped = "  (events were dropped before this)" if e.dropped else ""
    old, new = e._values()  # modes for connection/account events, as the monitor prints them
    return f"{time}  #{e.sequence:<4} {e.monitor_kind:<12} {old} -> {new}{dropped}"


def main(argv: Optional[List[str]] = None) -> int:
    p = _parser()
    a = p.parse_args(argv)
    if a.endpoint and a.provider != "bridge":
        p.error("--endpoint goes with --provider bridge")
    if a.block and not a.set:
        p.error("--block goes with --set")
    if a.timeout is not None and not a.wait:
        p.error("--timeout goes with --wait")
    if a.no_fallback and _provider(a.provider) != Provider.AUTO:
        p.error("--no-fallback goes with --provider auto")
    if a.poll_interval is not None and _provider(a.provider) not in (Provider.AUTO, Provider.OBJECT_MODEL):
        p.error("--poll-interval goes with --provider auto or object-model")
    if a.poll_interval is not None and a.poll_interval <= 0:
        p.error("--poll-interval needs a number of milliseconds > 0")
    if a.count is not None and a.count < 0:
        p.error("--count needs a number >= 0")
    if a.set and a.wait:
        p.error("--set and --wait exclude each other")
    try:
        with _open(a) as s:
            if a.set:
                s.set_state(a.set, block=a.block)
                if a.block:
                    print(json.dumps({"type": "state", "state": str(s.state)}) if a.json else f"state: {s.state}")
                return 0
            if a.wait:
                s.wait_state(a.wait, a.timeout)
                print(json.dumps({"type": "state", "state": a.wait}) if a.json else f"state: {a.wait}")
                return 0
            with s.events() as events:
                print(_facts(s, a.json), flush=True)
                seen = 0
                if a.count == 0:
                    return 0
                for e in events:
                    print(_line(e, a.json), flush=True)
                    seen += 1
                    if a.count is not None and seen >= a.count:
                        break
                    if e.kind == EventKind.PROVIDER_LOST and not a.reconnect:
                        return 1
            return 0
    except (OlStateError, LibraryNotFoundError) as e:
        print(f"python -m olstate: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
