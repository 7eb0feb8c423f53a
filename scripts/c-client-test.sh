#!/usr/bin/env bash
# Builds the C example point of sale on libprotobuf-c and runs it against a real daemon:
# it logs in, sells, lists its vouchers, and a sale the balance cannot cover prints the
# INSUFFICIENT_BALANCE reason. Then real names: a product with a visitor per ticket and at
# most 1 ticket per ID a day sells to two visitors, lists them masked, and refuses a second
# ticket for one of them (ID_LIMIT_EXCEEDED) and a mistyped ID (INVALID_ID_NUMBER), each
# naming visitors[0].id_number. Then integrations: with an API key from scenic-admin and no
# password, the example reads who it is and its money, holds two tickets (the balance
# shows them held) and confirms the hold; the event follower reads the feed so far, then
# long-polls from its stored cursor while two vouchers are redeemed at the gate and prints
# both in order; a read-only key is refused the sale (SCOPE_MISSING) and a revoked key the
# feed (API_KEY_REVOKED). Needs scenicd and scenic-admin built (swift build).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
make -s -C clients/c
work=$(mktemp -d /tmp/scenic-c.XXXXXX)
trap 'kill "${follower:-}" "${daemon:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

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
check "^distributor 1 C example by session: balance 200.00, held 0.00, available 200.00$"
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

# API keys: the distributor's machine calls with a key instead of a password.
created=$("$bin/scenic-admin" distributor api-key create 1 --name c-test --json)
key_id=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["key"]["id"])' <<<"$created")
(umask 077 && python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])' <<<"$created" >"$work/api-key")
"$bin/scenic-admin" distributor recharge 1 300.00 --request-id c-test-2 >/dev/null
output=$(clients/c/build/scenic-pos-example --api-key-file "$work/api-key" --hold "$work/data/pos.sock" GATE "$today" 2)
echo "$output"
check "^distributor 1 C example by api-key:c-test: balance 321.00, held 0.00, available 321.00$"
check "^held hold [0-9]*: 2 x GATE on $today at 98.00, 196.00 kept aside until [0-9-]*T[0-9:.]*Z$"
check "^balance 321.00, held 196.00, available 125.00$"
check "^confirmed hold [0-9]* as order [0-9]*: charged 196.00, balance 125.00$"
check "reason: INSUFFICIENT_BALANCE"
mapfile -t codes < <(sed -n 's/^voucher \([0-9]\{16\}\)$/\1/p' <<<"$output")
[ "${#codes[@]}" = 2 ] && passed=$((passed + 1)) || { echo "the confirmed hold gave ${#codes[@]} vouchers, want 2"; failed=$((failed + 1)); }

# The event feed: everything so far, up to the confirmed hold, then the cursor is stored.
follow() { timeout 30 clients/c/build/scenic-events-example --api-key-file "$work/api-key" --cursor-file "$work/cursor" "$@" "$work/data/pos.sock"; }
output=$(follow --wait 0)
echo "$output"
check "^event [0-9]* binding_added at=[0-9TZ:.-]* distributor=1 product=GATE amount=98.00$"
check "^event [0-9]* recharge at=[0-9TZ:.-]* distributor=1 amount=300.00 balance=321.00$"
check "^event [0-9]* hold_confirmed at=[0-9TZ:.-]* distributor=1 hold=[0-9]* product=GATE amount=196.00$"
last=$(tail -n 1 <<<"$output" | cut -d' ' -f2)
[ "$(cat "$work/cursor")" = "$last" ] && passed=$((passed + 1)) || { echo "cursor $(cat "$work/cursor"), want $last"; failed=$((failed + 1)); }
# Following: the follower long-polls from its cursor (it misses nothing committed before
# its first poll either) while the gate redeems the two vouchers, and stops after 2 events.
timeout 30 clients/c/build/scenic-events-example --api-key-file "$work/api-key" --cursor-file "$work/cursor" --events 2 \
  "$work/data/pos.sock" >"$work/follow" 2>"$work/follow.err" &
follower=$!
sleep 1
"$bin/scenic-admin" vouchers redeem "${codes[0]:-none}" >/dev/null 2>&1
"$bin/scenic-admin" vouchers redeem "${codes[1]:-none}" >/dev/null 2>&1
status=0
wait "$follower" || status=$?
output=$(cat "$work/follow")
echo "$output"
[ "$status" = 0 ] && passed=$((passed + 1)) || { echo "follower exited $status (124: still waiting after 30 s): $(cat "$work/follow.err")"; failed=$((failed + 1)); }
# Both redemptions, in the order they happened, after the cursor; the cursor is the second's.
line() { sed -n "$1p" <<<"$output"; }
redeemed="voucher_redeemed at=[0-9TZ:.-]* distributor=1 voucher=%s product=GATE amount=98.00$"
first=$(line 1 | cut -d' ' -f2) second=$(line 2 | cut -d' ' -f2)
# shellcheck disable=SC2059
grep -q "^event [0-9]* $(printf "$redeemed" "${codes[0]:-none}")" <<<"$(line 1)" &&
  grep -q "^event [0-9]* $(printf "$redeemed" "${codes[1]:-none}")" <<<"$(line 2)" &&
  [ "$(wc -l <<<"$output")" = 2 ] && [ "${first:-0}" -gt "$last" ] && [ "${second:-0}" -gt "${first:-0}" ] &&
  passed=$((passed + 1)) || { echo "want the two redemptions in order after event $last, and nothing else"; failed=$((failed + 1)); }
[ "$(cat "$work/cursor")" = "$second" ] && passed=$((passed + 1)) ||
  { echo "cursor $(cat "$work/cursor") after following, want $second"; failed=$((failed + 1)); }

# A key that may only read: who it is, yes; a sale, no.
reader=$("$bin/scenic-admin" distributor api-key create 1 --name reader --scopes read --json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')
status=0
output=$(SCENIC_API_KEY="$reader" clients/c/build/scenic-pos-example "$work/data/pos.sock" GATE "$today" 1) || status=$?
echo "$output"
check "^distributor 1 C example by api-key:reader: balance 125.00, held 0.00, available 125.00$"
check "^sell refused: PERMISSION_DENIED (7)"
check "^reason: SCOPE_MISSING$"
check "^metadata scope=sell$"
[ "$status" = 1 ] && passed=$((passed + 1)) || { echo "refused sale exited $status, want 1"; failed=$((failed + 1)); }
# Revoked: refused from the very next call.
"$bin/scenic-admin" distributor api-key revoke "$key_id" >/dev/null
status=0
output=$(follow --wait 0) || status=$?
echo "$output"
check "^events refused: UNAUTHENTICATED (16)"
check "^reason: API_KEY_REVOKED$"
[ "$status" = 1 ] && passed=$((passed + 1)) || { echo "revoked key's follower exited $status, want 1"; failed=$((failed + 1)); }
balance=$("$bin/scenic-admin" distributor show 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["balanceFen"])')
[ "$balance" = 12500 ] && passed=$((passed + 1)) || { echo "balance $balance, want 12500 (21.00 + 300.00 recharged − 196.00 for the confirmed hold)"; failed=$((failed + 1)); }
echo "c client: $passed passed, $failed failed"
kill -TERM "$daemon"
wait "$daemon"
[ "$failed" -eq 0 ]
