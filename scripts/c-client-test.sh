#!/usr/bin/env bash
# Builds the C example point of sale on libprotobuf-c and runs it against a real daemon:
# it logs in, sells, lists its vouchers, and a sale the balance cannot cover prints the
# INSUFFICIENT_BALANCE reason. Then real names: a product with a visitor per ticket and at
# most 1 ticket per ID a day sells to two visitors, lists them masked, and refuses a second
# ticket for one of them (ID_LIMIT_EXCEEDED) and a mistyped ID (INVALID_ID_NUMBER), each
# naming visitors[0].id_number. Needs scenicd and scenic-admin built (swift build).
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
[ "$balance" = 10100 ] && passed=$((passed + 1)) || { echo "balance $balance, want 10100 (4.00 left, 1.00 recharged, 98.00 refunded and 2.00 of real-name tickets sold by the decode check)"; failed=$((failed + 1)); }

# Real names: one visitor per ticket, one ticket per ID a day.
"$bin/scenic-admin" product create --code REAL --name "Real-name ticket" --price 50.00 >/dev/null
"$bin/scenic-admin" product real-name REAL --mode per-ticket --id-limit 1 --per day >/dev/null
"$bin/scenic-admin" distributor bind 1 --product REAL=40.00 >/dev/null
pos() { clients/c/build/scenic-pos-example "$work/data/pos.sock" 13700137000 "c client 2026" "c client 2026" REAL "$today" "$@"; }
output=$(pos 2 --visitor 张三,11010519491231002X --visitor "John Smith,E12345678,passport")
echo "$output"
check "product REAL \"Real-name ticket\" retail 50.00, yours 40.00, real name per ticket, at most 1 per ID a day"
check 'sold order [0-9]*: charged 80.00, balance 21.00'
check "^listed [0-9]\{16\} REAL visit $today status 1 visitor 张\* 110\*\{11\}002X resident-id$"
check "^listed [0-9]\{16\} REAL visit $today status 1 visitor J\*\*\* \*\*\*\*\* E1\*\*\*\*\*78 passport$"
# The same ID again on the same day: refused, exit 1, nothing charged.
status=0
output=$(pos 1 --visitor 张三,11010519491231002X) || status=$?
echo "$output"
check "sell refused: RESOURCE_EXHAUSTED (8)"
check "^reason: ID_LIMIT_EXCEEDED$"
check "^field visitors\[0\]\.id_number: ID_LIMIT_EXCEEDED"
check "^metadata held=1$"
check "^metadata limit=1$"
[ "$status" = 1 ] && passed=$((passed + 1)) || { echo "refused sale exited $status, want 1"; failed=$((failed + 1)); }
# A wrong check character (the last, X, typed as 1): refused before anything is looked up.
status=0
output=$(pos 1 --visitor 李四,110105194912310021,resident-id) || status=$?
echo "$output"
check "sell refused: INVALID_ARGUMENT (3)"
check "^field visitors\[0\]\.id_number: INVALID_ID_NUMBER (the check character"
[ "$status" = 1 ] && passed=$((passed + 1)) || { echo "refused sale exited $status, want 1"; failed=$((failed + 1)); }
balance=$("$bin/scenic-admin" distributor show 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["balanceFen"])')
[ "$balance" = 2100 ] && passed=$((passed + 1)) || { echo "balance $balance, want 2100 (101.00 less 80.00 for two real-name tickets; the refusals charged nothing)"; failed=$((failed + 1)); }
echo "c client: $passed passed, $failed failed"
kill -TERM "$daemon"
wait "$daemon"
[ "$failed" -eq 0 ]
