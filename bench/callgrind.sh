#!/usr/bin/env bash
# bench/callgrind.sh — user-space instructions per request, by library and function.
#
#   bash bench/callgrind.sh ENDPOINT -- SERVER_COMMAND...   (the command must contain @PORT@)
#   e.g. bash bench/callgrind.sh /api/v1/units/24 -- bench/build/tinhso serve \
#            --db sqlite:/tmp/t.db --listen 127.0.0.1:@PORT@ --threads 2 --no-access-log
#        bash bench/callgrind.sh /api/v1/units/24 -- bench/build/bare /tmp/t.db @PORT@ 2
#
# Runs the server under valgrind --tool=callgrind, warms it up for 2 s, zeroes the counters,
# drives it with wrk (-t1 -c8) for 8 s, dumps, and prints instructions (Ir) per request: total,
# per shared object, the top functions (self cost) and who calls memset/malloc. Unlike req/s
# these counts do not depend on what else runs on the machine, so they compare builds exactly.
# Caveat: callgrind counts each iteration of "rep stosb" as one instruction, so large memsets
# (libmicrohttpd zeroing its connection pool) look far costlier than they are in time.
# Needs valgrind, wrk, curl, python3. Loopback only; the server is stopped on exit.
set -euo pipefail
[ $# -ge 3 ] && [ "$2" = "--" ] || { sed -n '2,6p' "$0" >&2; exit 2; }
EP=$1; shift 2
. "$(dirname "$0")/lib.sh"
bench_init cg
need valgrind wrk curl python3
PORT=$(free_port)
args=()
for a in "$@"; do args+=("${a//@PORT@/$PORT}"); done
valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" "${args[@]}" >"$TMP/server.log" 2>&1 &
PID=$!
bench_track "$PID"
ok=
for _ in $(seq 150); do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT$EP"; then ok=1; break; fi
    sleep 0.2
done
[ -n "$ok" ] || { cat "$TMP/server.log" >&2; die "server did not answer"; }
timeout 60 wrk -t1 -c8 -d2s "http://127.0.0.1:$PORT$EP" >/dev/null
callgrind_control -z "$PID" >/dev/null
N=$(timeout 60 wrk -t1 -c8 -d8s "http://127.0.0.1:$PORT$EP" | awk '/requests in/ {print $1}')
callgrind_control -d "$PID" >/dev/null
sleep 0.5
F=$(ls "$TMP"/cg.* 2>/dev/null | sort | tail -1)
[ -n "$F" ] || die "no dump"
echo "# $EP: $N requests under callgrind"
python3 - "$F" "$N" <<'EOF'
import collections, re, sys
path, n = sys.argv[1], float(sys.argv[2])
names = {}
def nm(kind, v):
    m = re.match(r'\((\d+)\)(?:\s+(.*))?', v)
    if not m:
        return v
    k = (kind, m.group(1))
    if m.group(2) is not None:
        names[k] = m.group(2)
    return names.get(k, v)
self_cost, ob_cost = collections.Counter(), collections.Counter()
callers = {t: collections.Counter() for t in ('memset', 'malloc')}
calls = {t: collections.Counter() for t in ('memset', 'malloc')}
WANT = {'memset': ('memset',), 'malloc': ('malloc', 'calloc', 'realloc')}
ob = fn = cfn = None
pending = None
for line in open(path, errors='replace'):
    line = line.rstrip('\n')
    if not line or line[0] == '#':
        continue
    key, _, val = line.partition('=')
    if key == 'ob': ob = nm('ob', val); continue
    if key == 'fn': fn = nm('fn', val); continue
    if key in ('fl', 'fi', 'fe'): nm('fl', val); continue
    if key == 'cob': nm('ob', val); continue
    if key in ('cfl', 'cfi'): nm('fl', val); continue
    if key == 'cfn': cfn = nm('fn', val); continue
    if key == 'calls': pending = int(val.split()[0]); continue
    if line[0] in '0123456789+-*':
        parts = line.split()
        if len(parts) < 2:
            continue
        c = int(parts[1])
        if pending is not None:
            for t in callers:
                if cfn and (cfn.startswith('__' + t) or cfn in WANT[t]):
                    who = (ob.split('/')[-1], fn)
                    callers[t][who] += c
                    calls[t][who] += pending
            pending = None
            continue
        self_cost[(ob, fn)] += c
        ob_cost[ob] += c
tot = sum(ob_cost.values())
print(f"\ntotal: {tot / n:,.0f} instructions per request\n\nby object (self cost):")
for o, c in ob_cost.most_common():
    print(f"  {c / tot * 100:5.1f}%  {c / n:10,.0f}  {o.split('/')[-1]}")
print("\ntop functions (self cost):")
for (o, f), c in self_cost.most_common(20):
    print(f"  {c / tot * 100:5.1f}%  {c / n:10,.0f}  {o.split('/')[-1]:28s} {f}")
for t in callers:
    print(f"\ncallers of {t} (calls and inclusive instructions per request):")
    for k, c in callers[t].most_common(8):
        if calls[t][k] / n >= 0.05:
            print(f"  {calls[t][k] / n:6.2f} calls  {c / n:9,.0f} Ir  {k[0]} {k[1]}")
EOF
