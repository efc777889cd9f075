# The two entry points of the README. Both install what a fresh machine lacks first.
.PHONY: setup build demo test release bench

setup:
	@bash tools/setup.sh

build: setup
	swift build

# The main job against the bundled simulator; with ANTHROPIC_ADMIN_KEY set, use `sync` instead.
demo: build
	.build/debug/claude-ledger demo

test: setup
	bash tools/test.sh

release: setup
	swift build -c release

bench: release
	bash tools/bench.sh
