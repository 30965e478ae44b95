#!/usr/bin/env bash
# audit-tree.sh — the cost of the audit log's signed tree heads (docs/benchmarks.md,
# "Audit tree"): building the tree and signing a head after N new entries
# (`tinhso audit sign`, SQLite), the Ed25519 signature alone (openssl speed), and the
# latency of inclusion and consistency proofs over HTTP against a log of N entries.
#   bash bench/audit-tree.sh [--bin build-rel/tinhso] [--entries 100000] [--requests 2000]
set -euo pipefail
BIN=build-rel/tinhso
N=100000
REQS=2000
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --entries) N=$2; shift 2 ;;
    --requests) REQS=$2; shift 2 ;;
    *) echo "usage: $0 [--bin FILE] [--entries N] [--requests N]" >&2; exit 2 ;;
    esac
done
BIN=$(realpath "$BIN")
DIR=$(mktemp -d /tmp/tinhso-bench-tree.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
DB=$DIR/t.db
"$BIN" migrate --db "sqlite:$DB" >/dev/null 2>&1
"$BIN" audit keygen --key "$DIR/k.pem" >/dev/null
# N entries with a valid chain (the rule of src/platform/audit.c), written directly
python3 - "$DB" "$N" <<'PY'
import hashlib, json, sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
prev = "0" * 64
rows = []
for seq in range(1, n + 1):
    at = "2026-12-02T00:00:00.%06dZ" % (seq % 1000000)
    summary = json.dumps({"i": seq}, separators=(",", ":"))
    canon = json.dumps([seq, at, "bench", None, "bench.entry", "bench", str(seq), summary],
                       separators=(",", ":"))
    h = hashlib.sha256((prev + canon).encode()).hexdigest()
    rows.append((seq, at, "bench", None, "bench.entry", "bench", str(seq), summary, prev, h))
    prev = h
c.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
c.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (n, prev))
c.commit()
PY
"$BIN" audit verify --db "sqlite:$DB" >/dev/null
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
t_all=$(ms "$BIN" audit sign --db "sqlite:$DB" --key "$DIR/k.pem" --checkpoints "$DIR/cp.txt")
t_none=$(ms "$BIN" audit sign --db "sqlite:$DB" --key "$DIR/k.pem")
t_verify=$(ms "$BIN" audit verify --db "sqlite:$DB" --checkpoints "$DIR/cp.txt" --key "$DIR/k.pem.pub")
sig=$(openssl speed -seconds 1 ed25519 2>/dev/null | awk '/\(Ed25519\)/ {printf "%.0f signatures/s, %.0f verifications/s", $(NF-1), $NF}')
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --db "sqlite:$DB" --listen "127.0.0.1:$PORT" --no-access-log --no-migrate >"$DIR/srv.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.05; done
node - "$PORT" "$N" "$REQS" <<'JS'
const [port, n, reqs] = process.argv.slice(2).map(Number);
const lat = async (path) => {
  const t = [];
  for (let i = 0; i < reqs; i++) {
    const seq = 1 + Math.floor(Math.random() * n);
    const t0 = process.hrtime.bigint();
    const r = await fetch(`http://127.0.0.1:${port}${path(seq)}`);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${path(seq)}: ${r.status}`);
    t.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  t.sort((a, b) => a - b);
  return `p50 ${t[Math.floor(reqs / 2)].toFixed(0)} µs, p99 ${t[Math.floor(reqs * 0.99)].toFixed(0)} µs`;
};
(async () => {
console.log(`| GET /api/v1/audit/proof/{random seq} (${reqs} sequential) | ${await lat((s) => `/api/v1/audit/proof/${s}`)} |`);
console.log(`| GET /api/v1/audit/consistency?first={random} (${reqs} sequential) | ${await lat((s) => `/api/v1/audit/consistency?first=${s}`)} |`);
})();
JS
echo "| tinhso audit sign: build the tree of $N entries + sign one head | $t_all ms ($(awk "BEGIN{printf \"%.1f\", $t_all*1000/$N}") µs/entry) |"
echo "| tinhso audit sign with nothing new (process start, lock, check) | $t_none ms |"
echo "| tinhso audit verify --checkpoints --key ($N entries, 1 head) | $t_verify ms |"
echo "| Ed25519 signature alone (openssl speed) | ${sig:-see openssl speed ed25519} |"
