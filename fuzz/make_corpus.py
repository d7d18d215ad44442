#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/corpus/) for fuzz/olstate_fuzz.cpp.

Each seed is a small program in the harness's byte format (see the comment at
the top of olstate_fuzz.cpp): a mode byte, a split byte, then ops. The seeds
cover every op, every callback action, every fault and misbehaviour, and the
bad-argument shapes, so the fuzzer starts from inputs that reach deep code.

usage: fuzz/make_corpus.py   (rewrites fuzz/corpus/seed-*, and the hand-made
                              inputs in fuzz/regressions/)
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# Profiles (kProfiles indices)
DEFAULT, FZA, FZB, FZA_UPPER, EMPTY, BAD_FF, OVERLONG, SURROGATE, EACUTE = range(9)
# Session selectors
NULL_S, BOGUS_S = 0x00, 0x20
def slot(k): return 0x40 | k
# Token selectors
TOK0, TOK_BOGUS = 0x00, 0x40
def own(k=0): return 0x80 | k
def anytok(k=0): return 0xC0 | k
# Providers (op_open's prov byte)
SIM, AUTO, LIB_SIM, OUTLOOK, BRIDGE, LIB_OTHER, BAD_PROVIDER, PATH_MISPLACED = range(8)
QUEUED, INLINE = 0, 1
# Callback actions
NONE, UNSUB_SELF, UNSUB_OTHER, CLOSE, SET_ASYNC, SET_BLOCK, GET, CAPS, SUB_CHILD, INFO = range(10)
# Simulator calls
OPEN, QI, GETCAPS, GETSTATE, SETSTATE, ADVISE, UNADVISE = 1, 2, 3, 4, 5, 6, 7
E_FAIL, E_INVALIDARG, E_NOINTERFACE, E_OUTOFMEMORY, E_NOTIMPL, NOT_FOUND, E_PENDING = range(7)
LATE, IN_ADVISE, SLOW_UNADVISE, OPEN_NULL = 2, 4, 8, 1
SIM_THREAD, SIM_SYNC, SIM_POOL = 0, 1, 2


def op_open(s, profile=FZA, prov=SIM, delivery=QUEUED, shape=0):
    return [0, s, profile, prov, delivery, shape]
def op_close(sel): return [2, sel]
def op_sub(sel, action=NONE, param=0, how=0): return [3, sel, action, param, how]
def op_unsub(sel, tok): return [5, sel, tok]
def op_set(sel, offline=True, block=True): return [6, sel, 0 if offline else 1, 1 if block else 0]
def op_set_raw(sel, a, b): return [6, sel, a, b]
def op_query(sel, what): return [7, sel, what]
def op_misc(v): return [8] + list(v.to_bytes(4, 'little'))
def op_fail(call, h, count=1, profile=0): return [9, profile, call, h, count]
def op_misbehave(mask): return [10, 0, mask]
def op_delivery(profile, mode, threads=2): return [11, profile, mode, threads]
def op_caps(profile, c): return [12, profile, c]
def op_raw(profile, t=1, m=3, st=0, sz=0, count=1): return [13, profile, t, m, st, sz, count]
def op_null(profile): return [14, profile]
def op_sim_set(profile, offline=True, wait=True): return [15, profile, (0 if offline else 1) | (2 if wait else 0)]
def op_storm(profile, threads=3, count=3): return [16, profile, threads - 1, count]
def op_known(profile, known): return [17, profile, known]
def op_idle(profile): return [18, profile]
def op_pause(tenths_ms): return [19, 0x80 | tenths_ms]
def op_detect(shape): return [20, shape]  # olstate_detect_outlook; shape: see op_detect in the harness
SLOW = 0x20  # callback param bit: the callback sleeps a little


def one(*ops):
    return bytes([0, 0] + [b for op in ops for b in op])


def two(first, second, second_first=False):
    """Two op lists run on two threads at once. The harness splits the ops
    at (n * byte1 / 256); the first part is padded with no-op bytes (op 19
    reads one profile byte and does nothing) until the split falls exactly
    on the boundary."""
    a = [b for op in first for b in op]
    b = [b for op in second for b in op]
    for byte1 in range(1, 256):
        padded = list(a)
        while True:
            split = (len(padded) + len(b)) * byte1 // 256
            if split == len(padded) or split < len(padded):
                break
            padded.append(19)
        if split == len(padded):
            return bytes([1 | (2 if second_first else 0), byte1] + padded + b)
    raise ValueError('no split byte fits')


def seeds():
    s = {}
    for d, name in ((QUEUED, 'queued'), (INLINE, 'inline')):
        s[f'basic-{name}'] = one(
            op_open(0, FZA, SIM, d), op_sub(slot(0)), op_set(slot(0)), op_query(slot(0), 0),
            op_query(slot(0), 1), op_query(slot(0), 2), op_unsub(slot(0), own()),
            op_set(slot(0), offline=False), op_close(slot(0)), op_close(slot(0)))
        for action in range(10):
            for param in (0, 1, 0x41):
                s[f'action{action}-p{param}-{name}'] = one(
                    op_open(0, FZB, SIM, d), op_sub(slot(0), action, param),
                    op_sub(slot(0), NONE, 0, 1), op_set(slot(0), True, False),
                    op_idle(FZB), op_set(slot(0), False, True), op_storm(FZB, 2, 2),
                    op_close(slot(0)))
        for mode in (SIM_SYNC, SIM_POOL):
            s[f'simdelivery{mode}-{name}'] = one(
                op_delivery(FZA, mode, 3), op_open(0, FZA, SIM, d), op_open(1, FZA_UPPER, LIB_SIM, d),
                op_sub(slot(0), SET_ASYNC, 1), op_sub(slot(1), SET_BLOCK, 0), op_sub(slot(1), CLOSE),
                op_set(slot(0)), op_sim_set(FZA, False), op_storm(FZA, 4, 5), op_close(slot(0)))
        s[f'late-notify-{name}'] = one(
            op_misbehave(LATE), op_open(0, DEFAULT, AUTO, d), op_sub(slot(0)), op_set(slot(0)),
            op_close(slot(0)), op_idle(DEFAULT))
        s[f'notify-in-advise-{name}'] = one(
            op_misbehave(IN_ADVISE), op_open(0, FZA, SIM, d), op_sub(slot(0), UNSUB_SELF),
            op_set(slot(0), True, False), op_close(slot(0)))
        s[f'slow-unadvise-{name}'] = one(
            op_misbehave(SLOW_UNADVISE), op_delivery(FZB, SIM_POOL, 4), op_open(0, FZB, SIM, d),
            op_sub(slot(0)), op_storm(FZB, 4, 2), op_close(slot(0)))
        s[f'unadvise-fails-{name}'] = one(
            op_open(0, FZA, SIM, d), op_sub(slot(0), CLOSE), op_fail(UNADVISE, E_FAIL),
            op_raw(FZA, 2, 3, 1, 0, 1), op_idle(FZA), op_raw(FZA, 2, 3, 2, 0, 2))
        s[f'malformed-{name}'] = one(
            op_open(0, EACUTE, SIM, d), op_sub(slot(0)), op_null(EACUTE),
            op_raw(EACUTE, 3, 0, 0, 0x80 | 8, 2), op_raw(EACUTE, 4, 3, 1, 0, 2),
            op_raw(EACUTE, 0x80, 3, 0, 0) + [0xff, 0xff, 0xff, 0xff],
            op_raw(EACUTE, 2, 5, 0x80, 0, 1) + [0, 0, 0, 0, 3, 0, 0, 0],
            op_raw(EACUTE, 1, 3, 2, 0x40 | 8, 1), op_close(slot(0)))
        s[f'nocaps-{name}'] = one(
            op_caps(FZB, 0), op_open(0, FZB, SIM, d), op_sub(slot(0)), op_query(slot(0), 1),
            op_caps(FZB, 2), op_open(1, FZB, SIM, d), op_sub(slot(1)), op_set(slot(1)),
            op_close(slot(0)))
    for call in (OPEN, QI, GETCAPS, GETSTATE, SETSTATE, ADVISE, UNADVISE):
        for h in (E_FAIL, E_INVALIDARG, E_NOINTERFACE, E_OUTOFMEMORY, E_NOTIMPL, NOT_FOUND, E_PENDING):
            s[f'fail-call{call}-h{h}'] = one(
                op_fail(call, h, 1), op_open(0, FZA, SIM, QUEUED), op_sub(slot(0)),
                op_set(slot(0)), op_query(slot(0), 0), op_close(slot(0)))
    s['fail-random-hresult'] = one(op_fail(ADVISE, 0x80, 2) + [0x01, 0x00, 0x04, 0x80],
                                   op_open(0), op_open(1, FZB), op_open(2, FZB, SIM, INLINE))
    s['open-null'] = one(op_misbehave(OPEN_NULL), op_open(0), op_open(1, DEFAULT, AUTO, QUEUED, 4))
    s['unknown-profile'] = one(op_known(FZA, 0), op_open(0, FZA), op_open(1, FZA_UPPER, SIM, INLINE),
                               op_known(FZA, 1), op_open(2, FZA), op_known(BAD_FF, 0))
    s['bad-open-args'] = one(
        op_open(0, FZA, SIM, QUEUED, 2), op_open(0, FZA, SIM, QUEUED, 3),
        op_open(0, FZA, SIM, QUEUED, 0x20 | 8), op_open(0, FZA, SIM, QUEUED, 0x40 | 7),
        op_open(0, FZA, SIM, QUEUED, 0x60 | 3), op_open(0, FZA, SIM, QUEUED, 0x80 | 1),
        op_open(0, FZA, SIM, QUEUED, 0x11), op_open(0, FZA, SIM, 0xC5),
        op_open(0, EMPTY), op_open(0, BAD_FF), op_open(0, OVERLONG), op_open(0, SURROGATE),
        op_open(0, 9), op_open(0, 10), op_open(0, BAD_FF, SIM, QUEUED, 4),
        op_open(0, FZA, OUTLOOK), op_open(0, FZA, BRIDGE), op_open(0, FZA, BAD_PROVIDER),
        op_open(0, FZA, PATH_MISPLACED))
    s['bad-open-library'] = one(*[op_open(0, FZA, LIB_OTHER | (k << 3)) for k in range(6)],
                                op_open(1, FZA, LIB_SIM), op_query(slot(1), 2), op_close(slot(1)))
    s['bad-session-args'] = one(
        op_open(0), op_sub(NULL_S), op_sub(BOGUS_S), op_sub(slot(0), 0, 0, 3), op_sub(slot(0), 0, 0, 7),
        op_unsub(slot(0), TOK0), op_unsub(slot(0), TOK_BOGUS), op_unsub(NULL_S, anytok()),
        op_set_raw(slot(0), 0xf0, 0), op_set_raw(slot(0), 0xf3, 0), op_set_raw(slot(0), 0, 0xf2),
        op_query(NULL_S, 0), op_query(BOGUS_S, 1), op_query(slot(0), 0x10), op_query(slot(0), 0x11),
        op_query(slot(0), 0x12), op_query(slot(0), 0x22), op_query(slot(0), 0x62), op_query(slot(0), 0xC2),
        op_close(BOGUS_S), op_close(NULL_S), op_close(slot(0)), op_query(slot(0), 0),
        op_sub(slot(0)), op_unsub(slot(0), anytok()), op_misc(0), op_misc(0xfffffff5), op_misc(2),
        op_misc(0x80000000))
    # olstate_detect_outlook: sizes 0 and 47 (too small), exact, larger by 5 * 61,
    # implausible, NULL; then on two threads at once.
    detect = [op_detect(0), op_detect(47 << 2), op_detect(1), op_detect(2 | 5 << 2), op_detect(3),
              op_detect(63 << 2), op_detect(2 | 63 << 2)]
    s['detect-outlook'] = one(*detect)
    s['detect-outlook-two-threads'] = two(detect, detect)
    s['sim-controls-bad'] = one(
        op_delivery(FZA, 3), op_delivery(FZA, SIM_POOL, 0), op_delivery(BAD_FF, SIM_THREAD),
        op_caps(SURROGATE, 3), op_raw(OVERLONG), op_null(BAD_FF), op_sim_set(BAD_FF),
        op_storm(BAD_FF), op_known(OVERLONG, 1), op_idle(BAD_FF), op_fail(0, E_FAIL), op_fail(8, E_FAIL),
        op_fail(OPEN, 0x80, 1) + [1, 0, 0, 0])
    s['two-threads-churn'] = two(
        [op_open(0, FZA, SIM, QUEUED), op_open(1, FZA, SIM, INLINE), op_set(slot(0)),
         op_set(slot(1), False), op_close(slot(1)), op_close(slot(0))],
        [op_sub(slot(0), UNSUB_SELF), op_sub(slot(1), CLOSE), op_storm(FZA, 4, 5),
         op_unsub(slot(0), anytok()), op_sub(slot(1)), op_close(slot(0))])
    s['two-threads-sync'] = two(
        [op_delivery(FZB, SIM_SYNC), op_open(0, FZB, SIM, INLINE), op_sub(slot(0), SUB_CHILD, 0x46),
         op_set(slot(0)), op_set(slot(0), False)],
        [op_open(1, FZB, SIM, QUEUED), op_sub(slot(1), SET_BLOCK, 1), op_sim_set(FZB, True),
         op_sub(slot(0), UNSUB_OTHER), op_close(slot(0)), op_close(slot(1))], second_first=True)
    s['two-threads-faults'] = two(
        [op_open(0, DEFAULT, AUTO, QUEUED), op_sub(slot(0)), op_fail(UNADVISE, E_FAIL, 2),
         op_misbehave(LATE | SLOW_UNADVISE), op_close(slot(0))],
        [op_open(1, DEFAULT, AUTO, INLINE), op_sub(slot(1), GET), op_raw(DEFAULT, 2, 3, 1, 0, 7),
         op_null(DEFAULT), op_close(slot(1))])
    for d, name in ((QUEUED, 'queued'), (INLINE, 'inline')):
        for mode in (SIM_THREAD, SIM_POOL, SIM_SYNC):
            s[f'race-unsub-{name}-sim{mode}'] = one(
                op_delivery(FZB, mode, 4), op_open(0, FZB, SIM, d), op_sub(slot(0), NONE, SLOW | 7),
                op_sub(slot(0), NONE, SLOW | 3), op_set(slot(0), True, False), op_unsub(slot(0), own(0)),
                op_storm(FZB, 2, 1), op_unsub(slot(0), own(0)), op_sub(slot(0), NONE, SLOW),
                op_raw(FZB, 2, 3, 1, 0, 3), op_close(slot(0)))
        s[f'race-two-threads-unsub-{name}'] = two(
            [op_open(0, FZA, SIM, d), op_sub(slot(0), NONE, SLOW | 7), op_sub(slot(0), SET_ASYNC, SLOW | 1),
             op_storm(FZA, 4, 5), op_storm(FZA, 4, 5)],
            [op_pause(20), op_unsub(slot(0), own(0)), op_pause(5), op_unsub(slot(0), own(1)),
             op_pause(5), op_sub(slot(0), CLOSE, SLOW), op_pause(5), op_close(slot(0))])
        s[f'race-two-threads-close-{name}'] = two(
            [op_delivery(FZA, SIM_POOL, 4), op_open(0, FZA, SIM, d), op_sub(slot(0), GET, SLOW | 0x40),
             op_sub(slot(0), SUB_CHILD, SLOW | 0x42), op_storm(FZA, 4, 5), op_set(slot(0), True, True)],
            [op_pause(30), op_close(slot(0)), op_open(1, FZA, SIM, d), op_sub(slot(1), UNSUB_SELF, SLOW),
             op_storm(FZA, 3, 3), op_pause(3), op_close(slot(1))])
    # A bridge session that opened with OLSTATE_OPEN_RECONNECT while nobody
    # serves its endpoint: subscribe, get/set fail, close stops its threads.
    for d, name in ((QUEUED, 'queued'), (INLINE, 'inline')):
        s[f'bridge-reconnect-lost-{name}'] = one(
            op_open(0, FZA, BRIDGE, d, 0x01), op_sub(slot(0), GET, 0), op_sub(slot(0), CLOSE, 0),
            op_set(slot(0), True, True), op_set(slot(0), False, False), op_query(slot(0), 0),
            op_query(slot(0), 1), op_query(slot(0), 2), op_unsub(slot(0), own(0)), op_close(slot(0)))
        s[f'bridge-reconnect-two-threads-{name}'] = two(
            [op_open(0, FZA, BRIDGE, d, 0x01), op_sub(slot(0), NONE, 0), op_query(slot(0), 0)],
            [op_pause(5), op_close(slot(0)), op_open(1, FZB, BRIDGE, d, 0x01), op_close(slot(1))])
    return s


def regressions():
    """Inputs that once found a bug (fuzz/regressions/, replayed by
    scripts/test-fuzz.sh). Written by hand where the bug was found another
    way (the soak, a test) and the harness then reproduced it."""
    r = {}
    # Found by the soak under TSan: an INLINE callback that unsubscribed
    # itself is no longer in the session's table, so close from another
    # thread returned while it still ran and before its release.
    for d, name in ((QUEUED, 'queued'), (INLINE, 'inline')):
        for pause in (10, 20, 30):
            r[f'close-while-self-unsubscribed-callback-runs-{name}-{pause}'] = two(
                [op_delivery(FZB, SIM_POOL, 3), op_open(0, FZB, SIM, d),
                 op_sub(slot(0), UNSUB_SELF, SLOW | 7), op_sub(slot(0), UNSUB_SELF, SLOW | 7),
                 op_storm(FZB, 3, 5)],
                [op_pause(pause), op_close(slot(0)), op_pause(pause), op_close(slot(0))])
    return r


def main():
    regdir = os.path.join(HERE, 'regressions')
    os.makedirs(regdir, exist_ok=True)
    for name, data in regressions().items():
        with open(os.path.join(regdir, name), 'wb') as f:
            f.write(data)
    corpus = os.path.join(HERE, 'corpus')
    os.makedirs(corpus, exist_ok=True)
    for f in os.listdir(corpus):
        if f.startswith('seed-'):
            os.remove(os.path.join(corpus, f))
    for name, data in seeds().items():
        with open(os.path.join(corpus, f'seed-{name}'), 'wb') as f:
            f.write(data)
    print(f'{len(seeds())} seeds in {corpus}')


if __name__ == '__main__':
    main()
