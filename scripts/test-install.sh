#!/usr/bin/env bash
# Installs olstate into a temporary prefix and builds a C program outside the
# tree against it (pkg-config, <olstate.h>, -lolstate): it opens a simulator
# session, subscribes, changes the state and must receive the three events.
# This proves the installed layout: header, library, olstate.pc, and the
# simulator found next to the installed library. Then the same program
# built with olstate as a meson subproject.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

meson setup "$work/build" --prefix "$prefix" -Dbindings=false >/dev/null
ninja -C "$work/build" >/dev/null
meson install -C "$work/build" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libolstate.so' | head -1)")
pcdir=$(dirname "$(find "$prefix" -name 'olstate.pc' | head -1)")
test -e "$libdir/libolstate_sim.so" || { echo "simulator not installed next to libolstate"; exit 1; }

cat > "$work/app.c" <<'C'
#include <olstate.h>
#include <stdio.h>
static unsigned events;
static void OLSTATE_CALL on_event(const olstate_event* e, void* c) { (void)c; (void)e; events++; }
int main(void) {
    olstate_session* s = NULL;
    olstate_subscription t = 0;
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.delivery = OLSTATE_DELIVERY_INLINE;
    if (olstate_open_ex(&o, &s) != OLSTATE_OK) { fprintf(stderr, "%s\n", olstate_last_error_message()); return 1; }
    if (olstate_subscribe(s, on_event, NULL, NULL, &t) != OLSTATE_OK) return 2;
    if (olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) != OLSTATE_OK) return 3;
    olstate_close(s);
    printf("installed olstate: %u events\n", events);
    return events == 3 ? 0 : 4;
}
C
export PKG_CONFIG_PATH="$pcdir"
cc -std=c99 -Wall -Wextra -pedantic -Werror "$work/app.c" -o "$work/app" $(pkg-config --cflags --libs olstate)
LD_LIBRARY_PATH="$libdir" "$work/app"

# The same program in a project that takes olstate as a meson subproject.
mkdir -p "$work/consumer/subprojects"
ln -s "$PWD" "$work/consumer/subprojects/olstate"
cp "$work/app.c" "$work/consumer/"
cat > "$work/consumer/meson.build" <<'MESON'
project('consumer', 'c')
olstate = dependency('olstate', fallback: ['olstate', 'olstate_dep'],
                     default_options: ['bindings=false'])
executable('app', 'app.c', dependencies: olstate)
MESON
meson setup "$work/consumer-build" "$work/consumer" >/dev/null
ninja -C "$work/consumer-build" >/dev/null
"$work/consumer-build/app"
