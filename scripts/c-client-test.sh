#!/usr/bin/env bash
# Builds the C example point of sale on libprotobuf-c and runs it against a real daemon:
# it logs in, sells, lists its vouchers, and a sale the balance cannot cover prints the
# INSUFFICIENT_BALANCE reason. Needs scenicd and scenic-admin built (swift build).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
make -s -C clients/c
work=$(mktemp -d /tmp/scenic-c.XXXXXX)
trap 'kill "${daemon:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/scenicd" --data-dir "$work/data" --log-level warning --scrypt-log-n 12 &
daemon=$!
for _ in $(seq 1 100); do [ -S "$work/data/pos.sock" ] && break; sleep 0.1; done
export SCENIC_DATA_DIR="$work/data"
password=$("$bin/scenic-admin" distributor create --name "C example" --phone 13700137000 --json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["initialPassword"])')
"$bin/scenic-admin" product create --code GATE --name "Gate ticket" --price 120.00 >/dev/null
"$bin/scenic-admin" distributor bind 1 --product GATE=98.00 >/dev/null
"$bin/scenic-admin" distributor recharge 1 200.00 --request-id c-test >/dev/null
today=$(TZ=Asia/Shanghai date +%F)

output=$(clients/c/build/scenic-pos-example "$work/data/pos.sock" 13700137000 "$password" "c client 2026" GATE "$today" 2)
echo "$output"
passed=0 failed=0
check() { if grep -q "$1" <<<"$output"; then passed=$((passed + 1)); else echo "missing: $1"; failed=$((failed + 1)); fi; }
check "logged in as C example"
check "password changed"
check 'sold order [0-9]*: charged 196.00, balance 4.00'
check "^listed [0-9]\{16\} GATE"
check "reason: INSUFFICIENT_BALANCE"
# Every kind of response the daemon sends decodes with protobuf-c.
decoded=$(clients/c/build/scenic-decode-check "$work/data/admin.sock" "$work/data/pos.sock" 13700137000 "c client 2026")
echo "$decoded"
grep -q "^decoded: [0-9]* passed, 0 failed" <<<"$decoded" && passed=$((passed + 1)) || { echo "decode check failed"; failed=$((failed + 1)); }
balance=$("$bin/scenic-admin" distributor show 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["balanceFen"])')
[ "$balance" = 10300 ] && passed=$((passed + 1)) || { echo "balance $balance, want 10300 (4.00 left, 1.00 recharged and 98.00 refunded by the decode check)"; failed=$((failed + 1)); }
echo "c client: $passed passed, $failed failed"
kill -TERM "$daemon"
wait "$daemon"
[ "$failed" -eq 0 ]
