# The README's two commands: `make demo` and `make test`. Each installs what a fresh machine lacks.
.PHONY: setup build demo sync test release bench

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
