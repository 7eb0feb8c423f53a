#!/usr/bin/env bash
# The large-store figures of BENCHMARKS.md: with 1,000,000 vouchers stored for one
# distributor (10,000 orders of 100 tickets, each with its ledger entry), scenicd's start
# to ready, a page of 50 from the voucher list over a date range, a statement (through
# scenic-bench, which reports p50/p99 and the daemon's peak RSS), and a statement end to
# end through `scenic-admin` (process start included), median of 10, and a page of the
# voucher list filtered by each state, end to end, median of 10.
# Usage: scripts/bench-million.sh [VOUCHERS]   (default 1000000); release build first:
#   swift build -c release -Xcc -O2
set -euo pipefail
cd "$(dirname "$0")/.."
vouchers=${1:-1000000}
orders=$((vouchers / 100))
bin=$(swift build -c release --show-bin-path 2>/dev/null)
[ -x "$bin/scenicd" ] || bin=$(swift build --show-bin-path)
work=$(mktemp -d /tmp/scenic-bench.XXXXXX)
trap 'kill "${daemon:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
export SCENIC_DATA_DIR="$work/data"

start() {
  "$bin/scenicd" --data-dir "$work/data" --log-level warning --scrypt-log-n 12 &
  daemon=$!
  for _ in $(seq 1 100); do [ -S "$work/data/admin.sock" ] && break; sleep 0.1; done
}
start
"$bin/scenic-admin" distributor create --name "Bench Travel" --phone 13800138000 >/dev/null
"$bin/scenic-admin" product create --code GATE --name "Gate ticket" --price 120.00 --valid-days 366 >/dev/null
"$bin/scenic-admin" distributor bind 1 --product GATE=98.00 >/dev/null
kill -TERM "$daemon"; wait "$daemon"

# The sales as scenicd writes them, in bulk: orders over the last 30 days, one ledger
# entry each, and one voucher per ticket.
day0=$(( ($(date +%s) - 30 * 86400) * 1000 ))
sqlite3 "$work/data/scenic.sqlite3" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, note, actor)
  VALUES (1, $day0 - 1000, 'recharge', $((vouchers * 9800)), $((vouchers * 9800)), 'bench', 'uid:0');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $orders)
INSERT INTO sale_order (id, distributor_id, product_id, quantity, visit_date, settlement_price_fen, retail_price_fen,
    refundable, amount_fen, sold_at)
  SELECT i, 1, 1, 100, date(($day0 + i * 259) / 1000, 'unixepoch'), 9800, 12000, 1, 980000, $day0 + i * 259 FROM n;
INSERT INTO ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, order_id, note, actor)
  SELECT 1, sold_at, 'sale', -980000, $((vouchers * 9800)) - id * 980000, id, '100 × GATE', 'distributor:1' FROM sale_order;
WITH RECURSIVE t(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM t WHERE k < 99)
INSERT INTO voucher (code, order_id, distributor_id, product_id, visit_date, valid_until, settlement_price_fen,
    retail_price_fen, refundable, status, sold_at)
  SELECT printf('%016d', o.id * 100 + t.k), o.id, 1, 1, o.visit_date, date(o.visit_date, '+365 days'), 9800, 12000, 1,
    CASE WHEN t.k % 10 = 0 THEN 'redeemed' ELSE 'valid' END, o.sold_at
  FROM sale_order o, t;
UPDATE distributor SET balance_fen = 0 WHERE id = 1;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "stored: $(sqlite3 "$work/data/scenic.sqlite3" 'SELECT count(*) FROM voucher') vouchers, $(du -h "$work/data/scenic.sqlite3" | cut -f1)"

from=$(TZ=Asia/Shanghai date -d '-40 days' +%F)
to=$(TZ=Asia/Shanghai date +%F)
# Each run starts scenicd on the stored data itself: start to ready is part of its report.
"$bin/scenic-bench" load --data-dir "$work/data" --profile voucher-page --connections 1 --count 5000 \
  --distributor-id 1 --from "$from" --to "$to"
"$bin/scenic-bench" load --data-dir "$work/data" --profile voucher-page --connections 8 --in-flight 2 --count 20000 \
  --distributor-id 1 --from "$from" --to "$to"
"$bin/scenic-bench" load --data-dir "$work/data" --profile statement --connections 1 --count 50 \
  --distributor-id 1 --from "$from" --to "$to"

start
"$bin/scenic-admin" report statement 1 --from "$from" --to "$to" | tail -3
times=()
for _ in $(seq 1 10); do
  t0=$(date +%s%N)
  "$bin/scenic-admin" report statement 1 --from "$from" --to "$to" --json >/dev/null
  times+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
echo "statement through scenic-admin over $vouchers vouchers, 10 runs (ms, sorted): $sorted"
echo "median: $(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p) ms"
# The voucher list filtered by state, end to end: a page of each (none has expired here).
for status in valid redeemed refunded expired; do
  times=()
  for _ in $(seq 1 10); do
    t0=$(date +%s%N)
    "$bin/scenic-admin" vouchers list --distributor 1 --status "$status" --json >/dev/null
    times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  echo "voucher list --status $status, 10 runs, median: $(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p) ms"
done
echo "daemon RSS: $(ps -o rss= -p "$daemon") KiB"
kill -TERM "$daemon"; wait "$daemon"
