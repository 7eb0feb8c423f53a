#!/usr/bin/env bash
# The performance issue's health target, "0.5 × the C echo floor for health calls
# pipelined on one connection", measured as BENCHMARKS.md reports it: in turns. Each turn
# runs the C floor's client against a fresh scenicd's point-of-sale socket, then against
# the C echo server, so both figures of a turn saw the same machine (on a shared VM the
# echo floor alone swings by 3 × between runs). One JSON line per turn, then the median.
#
#   scripts/health-vs-echo.sh [TURNS [SECONDS [IN_FLIGHT]]]     defaults: 6 3 64
#
# Uses the release build (swift build -c release -Xcc -O2); SCENIC_BIN_DIR points it at
# another. Builds the floors (Benchmarks/floors) if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
turns=${1:-6}
seconds=${2:-3}
in_flight=${3:-64}
bin=${SCENIC_BIN_DIR:-.build/release}
echo_floor=Benchmarks/floors/build/echo-floor

[ -x "$bin/scenicd" ] || { echo "health-vs-echo.sh: no $bin/scenicd: swift build -c release -Xcc -O2" >&2; exit 1; }
[ -x "$echo_floor" ] || make -s -C Benchmarks/floors >&2

data=$(mktemp -d "${TMPDIR:-/tmp}/scenic-health-vs-echo.XXXXXX")
"$bin/scenicd" --data-dir "$data" --log-level warning 2>"$data/scenicd.log" &
daemon=$!
trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 200); do
    [ -S "$data/pos.sock" ] && break
    sleep 0.05
done

per_second() { sed -n 's/.*"per_second":\([0-9]*\).*/\1/p'; }
"$echo_floor" --connect "$data/pos.sock" --in-flight "$in_flight" --count 20000 >/dev/null  # warm-up

ratios=()
for turn in $(seq "$turns"); do
    scenicd_rate=$("$echo_floor" --connect "$data/pos.sock" --in-flight "$in_flight" --seconds "$seconds" | per_second)
    echo_rate=$("$echo_floor" --in-flight "$in_flight" --seconds "$seconds" | per_second)
    ratio=$(awk -v a="$scenicd_rate" -v b="$echo_rate" 'BEGIN { printf "%.3f", a / b }')
    ratios+=("$ratio")
    echo "{\"turn\":$turn,\"in_flight\":$in_flight,\"scenicd_per_second\":$scenicd_rate,\"echo_per_second\":$echo_rate,\"ratio\":$ratio}"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { print (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2) }')
echo "{\"turns\":$turns,\"median_ratio\":$median}"
