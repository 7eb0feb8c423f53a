#!/usr/bin/env bash
# Regenerates every Sources/ScenicProto/*.pb.swift from Protos/ and records the
# fingerprint that scripts/check-generated.sh compares. Builds protoc-gen-swift from
# the swift-protobuf version Package.swift resolves (about two minutes, once).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

plugin=${PROTOC_GEN_SWIFT:-}
if [ -z "$plugin" ]; then
  swift package resolve >/dev/null
  src=.build/checkouts/swift-protobuf
  swift build -c release --package-path "$src" --scratch-path .build-protoc --product protoc-gen-swift >&2
  plugin=$PWD/.build-protoc/release/protoc-gen-swift
fi

out=Sources/ScenicProto
rm -f "$out"/*.pb.swift
mapfile -t protos < <(cd Protos && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
protoc --plugin=protoc-gen-swift="$plugin" -I Protos -I /usr/include \
  --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
  --swift_out="$out" "${protos[@]}"
scripts/check-generated.sh --record
echo "generated ${#protos[@]} files into $out" >&2
