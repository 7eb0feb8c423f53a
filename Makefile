# The two commands of the README's quick start, and what they stand on.
# Both install the Debian packages they need (scripts/install-deps.sh) before anything else.

DATA_DIR ?= $(CURDIR)/data
# C code (BoringSSL's scrypt above all) optimized even in debug builds: a login's password
# hash takes about 0.5 s instead of 3 s, while Swift code keeps its debug checks.
SWIFT_BUILD_FLAGS ?= -Xcc -O2

# `make install`: scenicd and the clients built in release mode, the systemd units, the
# sysusers file, man pages and shell completions, under $(DESTDIR)$(PREFIX). systemd
# loads units from /usr/local/lib/systemd/system as it does from /usr/lib/systemd/system
# (PREFIX=/usr, a distribution's place), leaving /etc/systemd/system to the administrator's
# own units and overrides; sysusers.d likewise.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD_CONFIG ?= release
BINDIR = $(PREFIX)/bin
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
MAN1DIR = $(PREFIX)/share/man/man1
BASH_COMPLETION_DIR = $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETION_DIR = $(PREFIX)/share/zsh/site-functions
PROGRAMS = scenicd scenic-admin scenic-pos
CLIENTS = scenic-admin scenic-pos
SOCKET_UNITS = scenicd-admin.socket scenicd-pos.socket
# Every file install writes, and so every file uninstall removes.
INSTALLED = $(PROGRAMS:%=$(BINDIR)/%) $(UNITDIR)/scenicd.service $(SOCKET_UNITS:%=$(UNITDIR)/%) \
	$(SYSUSERSDIR)/scenic.conf $(PROGRAMS:%=$(MAN1DIR)/%.1) \
	$(CLIENTS:%=$(BASH_COMPLETION_DIR)/%) $(CLIENTS:%=$(ZSH_COMPLETION_DIR)/_%)
# Where swift-argument-parser's generate-manual plugin writes each executable's page.
MANUAL_DIR = .build/plugins/GenerateManual/outputs

.PHONY: run test build deps check-generated generate floors clean install uninstall

## Install what is needed, build, and run scenicd with its data in ./data.
run: deps
	swift build $(SWIFT_BUILD_FLAGS)
	exec "$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)/scenicd" --data-dir "$(DATA_DIR)"

## Install what is needed and run every test: the generated-code check, the stock ttrpc
## client and the C example client against real daemons, a one-second turn of the
## health-against-echo benchmark (so that it cannot rot; its figure is not checked), an
## install and uninstall of the debug build into a scratch directory, then every Swift
## test (unit, socket and process tests, the crash test, the hostile-input suite, the
## bench smoke runs, the PostgreSQL tests against a cluster started for them, and the
## service tests a second time on PostgreSQL).
test: deps check-generated floors
	swift build $(SWIFT_BUILD_FLAGS) --build-tests
	scripts/ttrpc-interop.sh
	scripts/c-client-test.sh
	SCENIC_BIN_DIR="$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)" scripts/health-vs-echo.sh 1 1 16 > /dev/null
	scripts/install-test.sh
	# Alone and first, while the disk is quiet: a rush of logins against their deadlines
	# measures the machine's pace, which the other suites running beside it (or the writes
	# they leave behind) would take.
	swift test $(SWIFT_BUILD_FLAGS) --skip-build --filter LoginRushTests
	# The socket tests alone: their timeouts are seconds, and the suites that start daemons
	# and clients by the dozen beside them on two cores delayed their steps past those.
	swift test $(SWIFT_BUILD_FLAGS) --skip-build --filter ScenicTransportTests
	# Beside a throwaway PostgreSQL cluster of their own, which the PostgreSQL tests use.
	scripts/with-postgres.sh swift test $(SWIFT_BUILD_FLAGS) --skip-build --skip ScenicTransportTests --skip LoginRushTests --skip LedgerPropertyTests
	# The service tests again, each on a PostgreSQL database of its own (those of SQLite's
	# own file and pragmas are skipped there, and the suites that use no store, which the
	# run above covers and whose timings the servers' load here would only disturb).
	SCENIC_TEST_BACKEND=postgresql scripts/with-postgres.sh swift test $(SWIFT_BUILD_FLAGS) --skip-build --filter ScenicServicesTests \
		--skip LedgerPropertyTests --skip PasswordHashingPoolTests --skip IdentityDocumentTests --skip SceneCalendarTests --skip AdminAccessPolicyTests
	# Alone: the ledger's property test keeps both cores busy for half a minute.
	swift test $(SWIFT_BUILD_FLAGS) --skip-build --filter LedgerPropertyTests

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

## Build in release mode and install under $(DESTDIR)$(PREFIX) (default /usr/local);
## README.md, "Running as a service", says what comes next.
install: deps
	swift build -c $(BUILD_CONFIG) $(SWIFT_BUILD_FLAGS)
	swift package $(SWIFT_BUILD_FLAGS) plugin generate-manual --configuration $(BUILD_CONFIG) > /dev/null
	install -d $(addprefix $(DESTDIR),$(BINDIR) $(UNITDIR) $(SYSUSERSDIR) $(MAN1DIR) $(BASH_COMPLETION_DIR) $(ZSH_COMPLETION_DIR))
	bin="$$(swift build -c $(BUILD_CONFIG) $(SWIFT_BUILD_FLAGS) --show-bin-path)" && \
	install -m 0755 $(PROGRAMS:%="$$bin/%") $(DESTDIR)$(BINDIR) && \
	for client in $(CLIENTS); do \
		"$$bin/$$client" --generate-completion-script bash > $(DESTDIR)$(BASH_COMPLETION_DIR)/$$client && \
		"$$bin/$$client" --generate-completion-script zsh > $(DESTDIR)$(ZSH_COMPLETION_DIR)/_$$client || exit 1; \
	done
	sed 's|@BINDIR@|$(BINDIR)|g' packaging/systemd/scenicd.service.in > $(DESTDIR)$(UNITDIR)/scenicd.service
	install -m 0644 $(SOCKET_UNITS:%=packaging/systemd/%) $(DESTDIR)$(UNITDIR)
	install -m 0644 packaging/systemd/scenic.conf $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 $(foreach p,$(PROGRAMS),$(MANUAL_DIR)/$(p)/$(p).1) $(DESTDIR)$(MAN1DIR)
	@# Written by redirection, so whatever the umask: readable by all, as installed files are.
	chmod 0644 $(DESTDIR)$(UNITDIR)/scenicd.service $(addprefix $(DESTDIR),$(CLIENTS:%=$(BASH_COMPLETION_DIR)/%) $(CLIENTS:%=$(ZSH_COMPLETION_DIR)/_%))

## Remove exactly the files install wrote (directories, shared with others, stay).
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

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
