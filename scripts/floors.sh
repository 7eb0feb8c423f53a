#!/usr/bin/env bash
# Builds the floors (Benchmarks/floors) and runs them, one JSON line per run on stdout:
# the echo floor at each in-flight depth on one connection, then the SQLite sale floor at
# each sales-per-transaction, each on a fresh throwaway database made from the schema in
# Migrations.swift. Nothing here builds or runs Swift code.
#
# Environment (defaults in brackets):
#   FLOOR_SECONDS [5]             length of each run
#   ECHO_IN_FLIGHT ["1 16 128"]   echo floor depths
#   ECHO_CONNECTIONS [1]          echo floor connections
#   SALE_BATCHES ["1 16 64 256"]  sales per transaction
#   SALE_QUANTITY [1]             tickets per sale
#   SALE_DISTRIBUTORS [1]         sellers the sales are taken from in turn (a load's spread)
#   FLOORS_TMP [$TMPDIR or /tmp]  where the databases go: put it on the file system of
#                                 scenicd's data directory, since fsync cost is the floor
#   BUILD_DIR [Benchmarks/floors/build]
set -euo pipefail
cd "$(dirname "$0")/.."
floors=Benchmarks/floors
build=${BUILD_DIR:-$floors/build}
seconds=${FLOOR_SECONDS:-5}

make -s -C "$floors" BUILD_DIR="$(realpath -m "$build")" >&2

for k in ${ECHO_IN_FLIGHT:-1 16 128}; do
  "$build/echo-floor" --in-flight "$k" --connections "${ECHO_CONNECTIONS:-1}" --seconds "$seconds"
done

work=$(mktemp -d "${FLOORS_TMP:-${TMPDIR:-/tmp}}/scenic-floors.XXXXXX")
trap 'rm -rf "$work"' EXIT
for b in ${SALE_BATCHES:-1 16 64 256}; do
  "$floors/make-floor-db.sh" "$work/floor-$b.sqlite3" "${SALE_DISTRIBUTORS:-1}"
  "$build/sqlite-sale-floor" --database "$work/floor-$b.sqlite3" --per-transaction "$b" \
    --distributors "${SALE_DISTRIBUTORS:-1}" --quantity "${SALE_QUANTITY:-1}" --seconds "$seconds"
  rm -f "$work/floor-$b.sqlite3"*
done
