# The README's two commands: `make demo` and `make test`. Each installs what a fresh machine lacks.
.PHONY: setup build demo sync test release bench lint format install

setup:
	@bash tools/setup.sh

build: setup
	swift build --product claude-ledger

# The whole pipeline against the bundled Admin API simulator: no key, no network.
demo: build
	.build/debug/claude-ledger demo

# Your organization: ANTHROPIC_ADMIN_KEY=sk-ant-admin01-... make sync SINCE=2025-01-01
sync: build
	.build/debug/claude-ledger sync $(if $(SINCE),--since $(SINCE),)

test: setup
	bash tools/test.sh

release: setup
	swift build -c release

bench: setup
	bash tools/bench/run.sh

# The rules and the layout of `swift format` (configuration: .swift-format) on every Swift file;
# CI runs it first in `make test`. See CONTRIBUTING.md.
SWIFT_PATHS = Sources ledger projections tools Tests
lint:
	swift format lint --strict --recursive $(SWIFT_PATHS)

# Formats the Swift files you name (FILES="a.swift b.swift"), by default the changed and new ones:
# modified against HEAD, added to git's index or not yet tracked.
FILES ?= $(shell git diff HEAD --name-only --diff-filter=AM -- '*.swift'; git ls-files --others --exclude-standard -- '*.swift')
format:
	@if [ -z "$(strip $(FILES))" ]; then echo "format: no new Swift files (name some with FILES=...)"; \
	else swift format format --in-place $(FILES) && swift format lint --strict $(FILES); fi

# A release binary with the Swift standard library linked in, so the server needs only the
# system's SQLite and LZ4 libraries: make install PREFIX=/usr/local (the default).
PREFIX ?= /usr/local
install: setup
	swift build -c release --product claude-ledger --static-swift-stdlib
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -s -m 0755 "$$(swift build -c release --static-swift-stdlib --show-bin-path)/claude-ledger" "$(DESTDIR)$(PREFIX)/bin/claude-ledger"
