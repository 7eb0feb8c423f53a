#!/usr/bin/env bash
# Makes a throwaway database for sqlite-sale-floor without running scenicd: applies the
# SQL of every migration in Sources/ScenicStore/Migrations.swift (read from the file, so
# it follows the schema), records them in grdb_migrations as GRDB's migrator does (so
# that scenicd should take the file as fully migrated; not tried here), and seeds what a
# sale needs: distributors 1..N (active, password already changed, a large recharged
# balance with its ledger entry) and product GATE (¥120.00, refundable, valid 1 day)
# bound to each at ¥98.00. Pages of 1 KiB, as SQLiteStore.pageSize.
# Usage: make-floor-db.sh PATH [DISTRIBUTORS]   (PATH must not exist; default 1 distributor)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
migrations="$here/../../Sources/ScenicStore/Migrations.swift"
db=${1:?usage: make-floor-db.sh PATH [DISTRIBUTORS]}
distributors=${2:-1}
[ -e "$db" ] && { echo "make-floor-db.sh: $db exists" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "make-floor-db.sh: needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }

# Each migration is registerMigration("ID") { db in try db.execute(sql: """ ... """) }:
# print the SQL between the triple quotes, and the ID into grdb_migrations.
schema=$(awk '
  /registerMigration\("/ { match($0, /"[^"]+"/); ids = ids "INSERT INTO grdb_migrations VALUES (" \
                           "\x27" substr($0, RSTART + 1, RLENGTH - 2) "\x27);\n"; next }
  /sql: """/ { inside = 1; next }
  inside && /^[ \t]*"""/ { inside = 0; next }
  inside { if (index($0, "\\(")) { print "interpolation in migration SQL" > "/dev/stderr"; exit 1 } print }
  END { print "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);"; printf "%s", ids }
' "$migrations")
[ "$(grep -c "^INSERT INTO grdb_migrations" <<<"$schema")" -ge 5 ] || { echo "make-floor-db.sh: no migrations found in $migrations" >&2; exit 1; }

now=$(($(date +%s) * 1000))
balance=1000000000000000   # 10^15 fen: about 10^11 one-ticket sales
sqlite3 -bail "$db" >/dev/null <<SQL
PRAGMA page_size = 1024;
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
BEGIN;
$schema
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $distributors)
INSERT INTO distributor (id, name, phone, password_hash, password_is_initial, balance_fen, created_at, updated_at)
  SELECT i, 'Floor Travel ' || i, printf('138%08d', i), 'not-a-hash', 0, $balance, $now, $now FROM n;
INSERT INTO ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, note, actor)
  SELECT id, $now, 'recharge', $balance, $balance, 'floor seed', 'uid:0' FROM distributor;
INSERT INTO product (id, code, name, retail_price_fen, refundable, valid_days, created_at, updated_at)
  VALUES (1, 'GATE', 'Gate ticket', 12000, 1, 1, $now, $now);
INSERT INTO binding (distributor_id, product_id, settlement_price_fen, bound_at, updated_at)
  SELECT id, 1, 9800, $now, $now FROM distributor;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
