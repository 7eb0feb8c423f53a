#!/usr/bin/env bash
# Interoperability check: containerd's stock ttrpc client (Debian's Go package, unmodified)
# calls Health on both sockets of a real scenicd. Needs scenicd built (swift build).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
work=$(mktemp -d /tmp/scenic-interop.XXXXXX)
trap 'kill "${daemon:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

GO111MODULE=off GOPATH="$work/go:/usr/share/gocode" GOCACHE="$work/cache" \
  go build -o "$work/ttrpc-health" ./Tests/interop/ttrpc-go

"$bin/scenicd" --data-dir "$work/data" --log-level warning &
daemon=$!
for _ in $(seq 1 100); do
  [ -S "$work/data/pos.sock" ] && [ -S "$work/data/admin.sock" ] && break
  sleep 0.1
done
if "$work/ttrpc-health" "$work/data/admin.sock" "$work/data/pos.sock"; then
  echo "ttrpc interop: 2 passed, 0 failed"
else
  echo "ttrpc interop: 0 passed, 2 failed"
  exit 1
fi
kill -TERM "$daemon"
wait "$daemon"
