#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/frame-corpus/) for fuzz/frame_fuzz.cpp: every
frame type well-formed, a few streams of several frames, and the classic
breakages (bad lengths, unknown types, truncations), each prefixed by the
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

seeds = {
    "hello": hello, "welcome": welcome, "refusal": refusal, "event": event,
    "get-state": get_state, "set-state": set_state, "ping": ping, "reply": reply, "bye": bye,
    "client-session": hello + get_state + set_state + ping + bye,
    "host-session": welcome + event + event + reply + bye,
    "hello-unicode": frame(1, b"OLSB" + struct.pack("<HH", 1, 3) + s16("Büro ✓".encode())),
    "length-too-big": struct.pack("<I", 4097) + b"\x01\x00",
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
