#!/usr/bin/env bash
# The test command (`make test`, and what CI runs): installs what is missing, lints (`make lint`,
# which fails the run on any finding), builds everything (the tests run the built executables),
# starts the local BigQuery emulator for the export tests, runs the whole suite, and stops the
# emulator.
#
# Without the emulator (no Python 3.13 here), the BigQuery tests are skipped with a message;
# under CI (CI=true) a missing emulator fails the run instead. The FOCUS validator test installs
# its own virtual environment (tools/focus-validator/run.sh, Python >= 3.12 from pyenv) and,
# likewise, skips loudly without one except under CI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --test
# Style first: a violation fails the run before anything is built (configuration: .swift-format).
make --no-print-directory lint
# Undeclared imports (see docs/ARCHITECTURE.md, "Layers") and warnings fail the build.
swift build --build-tests -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error

mkdir -p .build
emulator_env=.build/bigquery-emulator.env
stop_emulator() { bash tools/bigquery-emulator/stop.sh >/dev/null 2>&1 || true; }
trap stop_emulator EXIT
if bash tools/bigquery-emulator/start.sh > "$emulator_env"; then
  # shellcheck disable=SC1090
  . "$emulator_env"
  export BIGQUERY_EMULATOR_URL BIGQUERY_EMULATOR_PROJECT
  export BIGQUERY_EMULATOR_REQUIRED=1
elif [ "${CI:-}" = "true" ]; then
  echo "test: the BigQuery emulator did not start; CI needs it" >&2
  exit 1
else
  echo "test: no BigQuery emulator; the export-to-BigQuery tests will be skipped" >&2
fi

# Serially: the integration tests start servers and processes, and on two cores a parallel run
# starves them into timeouts.
swift test --skip-build --no-parallel 2>&1 | tee .build/test-output.txt
