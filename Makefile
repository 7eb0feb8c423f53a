# The two commands of the README's quick start, and what they stand on.
# Both install the Debian packages they need (scripts/install-deps.sh) before anything else.

DATA_DIR ?= $(CURDIR)/data
# C code (BoringSSL's scrypt above all) optimized even in debug builds: a login's password
# hash takes about 0.5 s instead of 3 s, while Swift code keeps its debug checks.
SWIFT_BUILD_FLAGS ?= -Xcc -O2

.PHONY: run test build deps check-generated generate floors clean

## Install what is needed, build, and run scenicd with its data in ./data.
run: deps
	swift build $(SWIFT_BUILD_FLAGS)
	exec "$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)/scenicd" --data-dir "$(DATA_DIR)"

## Install what is needed and run every test: the generated-code check, the stock ttrpc
## client and the C example client against real daemons, a one-second turn of the
## health-against-echo benchmark (so that it cannot rot; its figure is not checked), then
## every Swift test (unit, socket and process tests, the crash test, the hostile-input
## suite, the bench smoke runs).
test: deps check-generated floors
	swift build $(SWIFT_BUILD_FLAGS) --build-tests
	scripts/ttrpc-interop.sh
	scripts/c-client-test.sh
	SCENIC_BIN_DIR="$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)" scripts/health-vs-echo.sh 1 1 16 > /dev/null
	swift test $(SWIFT_BUILD_FLAGS) --skip-build

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

deps:
	@scripts/install-deps.sh

check-generated:
	@scripts/check-generated.sh

## The C floors scenic-bench measures against (Benchmarks/floors).
floors: deps
	$(MAKE) -s -C Benchmarks/floors

generate: deps
	scripts/generate-protos.sh

clean:
	rm -rf .build .build-protoc
	$(MAKE) -C clients/c clean
	$(MAKE) -C Benchmarks/floors clean
