#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/frame-corpus/) for fuzz/frame_fuzz.cpp: every
frame type well-formed (version 1 and 2), a few streams of several frames,
the classic breakages (bad lengths, unknown types, truncations) and the
edges of the two size limits (shim/bridge/protocol.h: 4096 bytes for every
frame, 20480 for a version 2 connection frame), each prefixed by the
chunk-size byte the harness reads first.

usage: fuzz/make_frame_corpus.py   (rewrites fuzz/frame-corpus/seed-*)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "frame-corpus")


def frame(t, payload=b""):
    return struct.pack("<IH", 2 + len(payload), t) + payload


def s16(b):
    return struct.pack("<H", len(b)) + b


hello = frame(1, b"OLSB" + struct.pack("<HH", 1, 1) + s16("Outlook".encode()))
welcome = frame(2, struct.pack("<HIII", 1, 3, 2, 1) + s16(b"Outlook"))
refusal = frame(3, struct.pack("<i", -6) + s16(b"this bridge serves 16 clients already"))
event = frame(4, struct.pack("<IIIQIQ", 1, 2, 1, 7, 1, 1700000000000000))
get_state = frame(5, struct.pack("<I", 1))
set_state = frame(6, struct.pack("<III", 2, 1, 1))
ping = frame(7, struct.pack("<I", 3))
reply = frame(8, struct.pack("<iiiI", 2, -6, -2147483638, 0) + s16(b"pending"))
bye = frame(9, struct.pack("<I", 1))

# Version 2 (the Exchange connection). Limits as in shim/bridge/protocol.h.
MAX_FRAME = 4096
MAX_CONNECTION_FRAME = 20480
CONNECTION_MODE = 0x10000
NO_ACCOUNT = 0xFFFFFFFF


def event_fields(kind=0, old=0, new=0, sequence=0, flags=0, time=0):
    return struct.pack("<IIIQIQ", kind, old, new, sequence, flags, time)


def account(name, smtp, type_=0, mode=700):
    return struct.pack("<II", type_, mode) + s16(name) + s16(smtp)


def connection(fields, mode, offline, accounts):
    return frame(10, fields + struct.pack("<IIH", mode, offline, len(accounts)) + b"".join(accounts))


hello_v2 = frame(1, b"OLSB" + struct.pack("<HH", 1, 2) + s16(b""))
welcome_v2 = frame(2, struct.pack("<HIII", 2, 3 | CONNECTION_MODE, 2, 0) + s16(b"Outlook"))
snapshot = connection(event_fields(), 700, 0, [account(b"user@example.com", b"user@example.com")])
mode_change = connection(event_fields(0x300, 700, 400, 4, 0, 1700000000000000), 400, 1,
                         [account(b"user@example.com", b"user@example.com", 0, 400)])
account_added = connection(event_fields(0x301, NO_ACCOUNT, 700, 5, 1, 1700000000000001), 700, 0,
                           [account(b"user@example.com", b"user@example.com"),
                            account("Büro".encode(), b"", 1, 0)])
# The largest legal connection: 32 accounts, both texts at 255 bytes (over
# 4096 bytes: only a connection frame may be).
largest = connection(event_fields(0x300, 800, 700, 9), 700, 0,
                     [account(bytes([0x61 + i % 26]) * 255, b"x" * 255, i % 6, 100 * (i % 9)) for i in range(32)])
assert MAX_FRAME < len(largest) - 4 <= MAX_CONNECTION_FRAME
# A connection frame announcing exactly the limit: in range, so the decoder
# reads it all and then finds the bytes after the fields.
at_limit = struct.pack("<I", MAX_CONNECTION_FRAME) + snapshot[4:]
at_limit += b"\0" * (4 + MAX_CONNECTION_FRAME - len(at_limit))

seeds = {
    "hello": hello, "welcome": welcome, "refusal": refusal, "event": event,
    "get-state": get_state, "set-state": set_state, "ping": ping, "reply": reply, "bye": bye,
    "client-session": hello + get_state + set_state + ping + bye,
    "host-session": welcome + event + event + reply + bye,
    "hello-unicode": frame(1, b"OLSB" + struct.pack("<HH", 1, 3) + s16("Büro ✓".encode())),
    "length-4097-hello": struct.pack("<I", MAX_FRAME + 1) + b"\x01\x00",
    "length-4097-connection-waits": struct.pack("<I", MAX_FRAME + 1) + b"\x0a\x00" + b"\0" * 100,
    "length-20480-connection": at_limit,
    "length-20481-connection": struct.pack("<I", MAX_CONNECTION_FRAME + 1) + b"\x0a\x00",
    "hello-v2": hello_v2, "welcome-v2": welcome_v2,
    "connection-snapshot": snapshot, "connection-mode-change": mode_change,
    "connection-account-added": account_added, "connection-largest": largest,
    "host-session-v2": welcome_v2 + snapshot + event + mode_change + account_added + largest + bye,
    "connection-snapshot-with-event-fields": connection(event_fields(0, 700, 400), 700, 0, []),
    "connection-33-accounts": connection(event_fields(), 700, 0, [account(b"a", b"")] * 33),
    "length-zero": struct.pack("<I", 0),
    "unknown-type": frame(77, b"abc"),
    "truncated": hello[:-3],
    "trailing": frame(5, struct.pack("<I", 1) + b"\x00"),
    "bad-utf8": frame(1, b"OLSB" + struct.pack("<HH", 1, 1) + s16(b"\xc0\xaf")),
    "http": b"GET / HTTP/1.1\r\n\r\n",
}

os.makedirs(OUT, exist_ok=True)
for name in os.listdir(OUT):
    if name.startswith("seed-"):
        os.remove(os.path.join(OUT, name))
for i, (name, data) in enumerate(sorted(seeds.items())):
    for chunk in (0, 5 + i, 200):
        with open(os.path.join(OUT, f"seed-{name}-c{chunk}"), "wb") as f:
            f.write(bytes([chunk]) + data)
print(f"wrote {len(seeds) * 3} seeds to {OUT}")
