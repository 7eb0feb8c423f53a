#!/usr/bin/env bash
# Fails when Protos/ or the generated Swift no longer match the fingerprint recorded by
# scripts/generate-protos.sh: a .proto edited without regenerating, or generated code
# edited by hand. `--record` writes the fingerprint instead of checking it.
set -euo pipefail
cd "$(dirname "$0")/.."
record=Protos/generated.sha256

fingerprint() {
  { find Protos -name '*.proto'; find Sources/ScenicProto -name '*.pb.swift'; } |
    LC_ALL=C sort | xargs sha256sum
}

if [ "${1:-}" = "--record" ]; then
  fingerprint > "$record"
  exit 0
fi
if ! diff <(fingerprint) "$record" >&2; then
  echo "error: generated code does not match Protos/: run scripts/generate-protos.sh and commit" >&2
  exit 1
fi
echo "generated code matches Protos/" >&2
