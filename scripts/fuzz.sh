#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (see Fuzz/README.md) and runs one of them.
#
#   scripts/fuzz.sh build                                  # build both targets, run none
#   scripts/fuzz.sh frame-decoder|router [libFuzzer args]  # build both, fuzz one
#   scripts/fuzz.sh router Fuzz/Crashes/FILE...            # replay inputs, no fuzzing
#
# Fuzzing starts from a working corpus, Fuzz/.fuzz-work/TARGET/corpus (git-ignored), into
# which the committed seeds of Fuzz/Corpus/TARGET are copied first, so what libFuzzer
# adds never touches the seeds; crash, leak and timeout inputs land in
# Fuzz/.fuzz-work/TARGET/artifacts/. The defaults below come before your arguments, and
# libFuzzer takes the last value of a flag, so e.g. `-runs=1000 -timeout=30` override them.
# The recorded 10-million-input runs (Fuzz/README.md):
#
#   scripts/fuzz.sh frame-decoder -runs=10000000 -seed=1
#   scripts/fuzz.sh router -runs=10000000 -seed=1
#
# Build: SwiftPM's --sanitize=fuzzer makes the fuzzer link (libFuzzer's main, no renamed
# entry point), while -Xswiftc -sanitize=fuzzer,address gives the compiler both sanitizers:
# `--sanitize=fuzzer --sanitize=address` alone reaches swift-frontend as two -sanitize=
# flags of which only the last counts, and the code gets no coverage instrumentation.
set -euo pipefail

cd "$(dirname "$0")/.."
SCRATCH=Fuzz/.build-fuzz
BUILD=(swift build -c release --package-path Fuzz --scratch-path "$SCRATCH"
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)

usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[ $# -ge 1 ] || usage
target=$1
shift
case "$target" in
    build | frame-decoder | router) ;;
    *) usage ;;
esac

echo "fuzz.sh: building Fuzz/ (release, libFuzzer + AddressSanitizer)" >&2
# gold warns once per ASan check symbol it cannot export; nothing to act on.
set +o pipefail
"${BUILD[@]}" 2>&1 | grep -v "Cannot export local symbol '__asan"
status=${PIPESTATUS[0]}
set -o pipefail
[ "$status" -eq 0 ] || exit "$status"
[ "$target" = build ] && exit 0

binary="$("${BUILD[@]}" --show-bin-path)/fuzz-$target"
work=Fuzz/.fuzz-work/$target
mkdir -p "$work/corpus" "$work/artifacts"

defaults=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/artifacts/")
# The decoder's compaction only starts past 4 KiB of consumed bytes.
[ "$target" = frame-decoder ] && defaults+=(-max_len=16384)
# A router input with a timeout leaves a sleeping task behind for up to a second (its
# deadline), so it ends with more mallocs than frees: libFuzzer's per-input leak check
# would then run LeakSanitizer over the whole heap after each such input (a third of the
# speed) until it gives up after 1000 tries. The check at exit still covers the whole run:
# anything leaked on the way is still leaked at exit, and fails the run.
[ "$target" = router ] && defaults+=(-detect_leaks=0)
# Every path through the router is reached by requests of a few hundred bytes; libFuzzer's
# default of 4096 only makes each run slower (a third of the speed, seen here).
[ "$target" = router ] && defaults+=(-max_len=512)

# Replaying given files: no corpus directory.
for arg in "$@"; do
    if [ -f "$arg" ]; then
        exec env SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}" "$binary" "${defaults[@]}" "$@"
    fi
done

for seed in "Fuzz/Corpus/$target/"*; do
    [ -e "$work/corpus/$(basename "$seed")" ] || cp "$seed" "$work/corpus/"
done
echo "fuzz.sh: $binary ${defaults[*]} $* $work/corpus" >&2
# The Swift runtime's backtracer would catch the crash signal before libFuzzer does;
# leaving it off lets libFuzzer print its stack and write the crash input. Stacks are
# mangled: pipe them through `swift demangle`. The fuzzer runs at nice 10 (FUZZ_NICE) so
# that a build or benchmark beside it keeps the CPU it needs.
exec nice -n "${FUZZ_NICE:-10}" env SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}" \
    "$binary" "${defaults[@]}" "$@" "$work/corpus"
