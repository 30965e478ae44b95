#!/usr/bin/env bash
# bench/procedures.sh — the procedure catalogue's figures over 2,000
# procedures (the demo's, and synthetic ones made from them with other codes,
# names and fields, imported through the API in batches): catalogue search
# (GET /api/v1/procedures?q=...) and a procedure's page (GET
# /api/v1/procedures/{code}), with wrk, on SQLite, server --threads 2. Each
# read is measured twice: as served (rendered pages are kept until the
# catalogue changes) and with --no-cache (every request runs the search on
# the index / reads the row). The search run rotates over 64 different
# queries so that it is not one cached string. Prints a Markdown table.
#
#   bash bench/procedures.sh [--bin PATH] [--duration S] [--count N] [--out FILE]
#
#   --bin PATH     tinhso binary (default: build/tinhso)
#   --duration S   seconds per wrk run (default 8)
#   --count N      procedures in the catalogue (default 2000)
#   --out FILE     also write the table to FILE
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
. "$ROOT/bench/lib.sh"
BIN=$ROOT/build/tinhso DURATION=8 COUNT=2000 OUT=
bench_options "bin=BIN duration=DURATION count=COUNT out=OUT" "$@"
bench_init procedures
need wrk curl node
[ -x "$BIN" ] || die "no tinhso binary at $BIN"

TOKEN=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
"$BIN" demo --db "sqlite:$TMP/demo.db" >/dev/null || die "tinhso demo failed"
# the bootstrap token imports the synthetic catalogue (the demo made accounts)
printf '{"admin_token_after_setup": true}\n' >"$TMP/conf.json"

serve() { # serve [EXTRA...]: start a server, set PORT and SRV
    PORT=$(free_port)
    TINHSO_ADMIN_TOKEN=$TOKEN "$BIN" serve --db "sqlite:$TMP/demo.db" --listen "127.0.0.1:$PORT" \
        --threads 2 --no-access-log --config "$TMP/conf.json" "$@" >"$TMP/server.log" 2>&1 &
    SRV=$!
    bench_track "$SRV"
    wait_ready "$PORT" "$SRV" || { cat "$TMP/server.log" >&2; die "the server did not become ready"; }
}

serve
# the synthetic catalogue: the demo's documents again under new codes
# (3.NNNNNN), names that say which, and fields spread over twenty
curl -fsS "http://127.0.0.1:$PORT/api/v1/procedures/export" >"$TMP/export.json"
node - "$TMP/export.json" "$COUNT" "$TMP/batch" <<'JS'
const fs = require('fs');
const [file, count, out] = process.argv.slice(2);
const base = JSON.parse(fs.readFileSync(file, 'utf8')).procedures;
const need = Math.max(0, Number(count) - base.length);
const places = ['Bắc Ninh', 'Từ Sơn', 'Thuận Thành', 'Quế Võ', 'Tiên Du', 'Yên Phong', 'Gia Bình', 'Lương Tài', 'Bắc Giang', 'Việt Yên'];
const fields = ['Hộ tịch', 'Chứng thực', 'Đất đai', 'Xây dựng', 'Kinh doanh', 'Y tế', 'Giáo dục', 'Lao động', 'Giao thông', 'Văn hóa',
  'Du lịch', 'Nông nghiệp', 'Môi trường', 'Tài chính', 'Nội vụ', 'Tư pháp', 'Công thương', 'Khoa học', 'Dân tộc', 'Tôn giáo'];
let batch = [], nb = 0;
const flush = () => { if (batch.length) fs.writeFileSync(`${out}${nb++}.json`, JSON.stringify({ procedures: batch })); batch = []; };
for (let i = 0; i < need; i++) {
  const d = structuredClone(base[i % base.length]);
  delete d.version;
  d.code = `3.${String(100000 + i).padStart(6, '0')}`;
  d.name = `${d.name} — ${places[i % places.length]} (mẫu ${i + 1})`;
  d.field = fields[i % fields.length];
  for (const c of d.components || []) c.template = c.template ? c.template.sha256 : null;
  batch.push(d);
  if (batch.length === 300) flush();
}
flush();
JS
for f in "$TMP"/batch*.json; do
    [ -e "$f" ] || break
    curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        --data-binary "@$f" "http://127.0.0.1:$PORT/api/v1/procedures/import" || die "import of $f failed"
done
TOTAL=$(curl -fsS "http://127.0.0.1:$PORT/api/v1/procedures?limit=1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).total))')
[ "$TOTAL" -ge "$COUNT" ] || die "the catalogue has $TOTAL procedures, not $COUNT"
CODE=2.000488 # the judicial record card: a real procedure with cases, fees, papers, steps

# 64 searches without diacritics, two words each, rotated per request
cat >"$TMP/search.lua" <<'LUA'
local words = {"dang ky", "khai sinh", "ket hon", "chung thuc", "ban sao", "ho kinh doanh", "giay phep",
  "xay dung", "dat dai", "ly lich", "tu phap", "lao dong", "nuoc ngoai", "giay phep lai xe", "y te",
  "duoc", "thuc pham", "giao duc", "hoc sinh", "tro cap", "bac ninh", "tu son", "que vo", "tien du",
  "yen phong", "gia binh", "luong tai", "viet yen", "mau 1", "mau 2", "van hoa", "du lich"}
local paths = {}
for i, w in ipairs(words) do
  local q = w:gsub(" ", "%%20")
  paths[#paths + 1] = "/api/v1/procedures?q=" .. q
  paths[#paths + 1] = "/api/v1/procedures?q=" .. q .. "&level=province"
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA

{
    echo "Procedure catalogue: tinhso $("$BIN" version | awk '{print $2}'), $(date -u +%FT%TZ), $TOTAL procedures."
    echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| read (wrk -t2 -c64, server --threads 2, SQLite) | req/s | p99 |"
    echo "|---|---:|---:|"
    wrk_row "search, 64 queries rotated (as served)" "/api/v1/procedures" "$TMP/search.lua"
    wrk_row "GET /api/v1/procedures/$CODE (as served)" "/api/v1/procedures/$CODE"
    stop_pid "$SRV"
    serve --no-cache
    wrk_row "search, 64 queries rotated (--no-cache: the index every time)" "/api/v1/procedures" "$TMP/search.lua"
    wrk_row "GET /api/v1/procedures/$CODE (--no-cache)" "/api/v1/procedures/$CODE"
} | tee ${OUT:+"$OUT"}
