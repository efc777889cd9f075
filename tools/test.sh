#!/usr/bin/env bash
# The test command: builds everything (the tests run the built executables) and runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/test-output.txt
