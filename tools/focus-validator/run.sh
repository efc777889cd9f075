#!/usr/bin/env bash
# Runs the FinOps Foundation's focus-validator 2.2.1 on a FOCUS 1.2 CSV and gates on its
# per-rule results (docs/REFERENCE.md "FOCUS export").
#
# Usage:
#   tools/focus-validator/run.sh FILE.csv [RESULTS.xml]
#
# Exit codes:
#   0  every rule passed or was skipped, except the InvoiceId chain (recommended; the Admin API
#      has no invoice id)
#   1  a rule outside the InvoiceId chain failed (each is printed as `failed: <rule id>: ...`),
#      or the validator produced no readable results
#   2  usage error (no such file)
#   3  no Python >= 3.12 on this machine, or the virtual environment could not be installed;
#      callers outside CI may skip on this code, CI must not
#
# Why it is done this way (the validator's behaviour, https://github.com/finopsfoundation/focus_validator):
# - focus-validator 2.x needs Python >= 3.12; pip on Debian's 3.11 silently installs 1.0.0,
#   which checks FOCUS 1.0. Debian bookworm has no python3.12 package, so the Python comes from
#   FOCUS_VALIDATOR_PYTHON, pyenv (the machine image ships /root/.pyenv with 3.12 and 3.13), or
#   a python3.12/python3.13 on PATH, 3.12 first (numpy<2 has no wheels for 3.13).
# - pip pulls a pyarrow that needs NumPy 2 while the validator pins numpy<2: pin pyarrow<20.
# - The validator opens focus_validator/rules/currency_codes.csv relative to the working
#   directory, so it runs from its site-packages directory (the data file is passed absolute).
# - Its exit code is 0 even when rules fail: the verdict comes from its JUnit XML output.
#
# Environment (all optional):
#   FOCUS_VALIDATOR_VENV    virtualenv to install into (default: <repo>/.venv-focus-validator)
#   FOCUS_VALIDATOR_PYTHON  Python >= 3.12 to create the venv with
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${FOCUS_VALIDATOR_VENV:-$repo/.venv-focus-validator}"
validator_version="2.2.1"
criteria="ACCOUNT_NAMING_SUPPORTED,SUB_ACCOUNT_SUPPORTED,USAGE_MEASUREMENT_SUPPORTED,UNIT_PRICING_SUPPORTED,PUBLIC_PRICE_LIST_SUPPORTED"

log() { echo "focus-validator: $*" >&2; }

if [[ $# -lt 1 || $# -gt 2 ]]; then
    log "usage: $0 FILE.csv [RESULTS.xml]"
    exit 2
fi
[[ -f "$1" ]] || { log "no such file: $1"; exit 2; }
data_file="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
data_dir="$(dirname "$data_file")"
results="${2:-$data_dir/focus-validator-results.xml}"
results="$(cd "$(dirname "$results")" && pwd)/$(basename "$results")"

# A Python >= 3.12, or exit 3.
find_python() {
    local candidate
    if [[ -n "${FOCUS_VALIDATOR_PYTHON:-}" ]]; then
        echo "$FOCUS_VALIDATOR_PYTHON"; return 0
    fi
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    # 3.12 first: the validator pins numpy<2, which has no wheels for 3.13 (pip would build it).
    for candidate in "$pyenv_root"/versions/3.12*/bin/python3 "$(command -v python3.12 || true)" \
                     "$pyenv_root"/versions/3.13*/bin/python3 "$(command -v python3.13 || true)" "$(command -v python3 || true)"; do
        [[ -n "$candidate" && -x "$candidate" ]] || continue
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    return 1
}

# 1. Install into the venv unless it is already complete for this validator version.
stamp="$venv/.installed-$validator_version"
if [[ ! -x "$venv/bin/focus-validator" || ! -f "$stamp" ]]; then
    if ! python="$(find_python)"; then
        log "needs Python >= 3.12 (pyenv's, python3.12/python3.13 on PATH, or FOCUS_VALIDATOR_PYTHON); Debian bookworm's python3 is 3.11"
        exit 3
    fi
    log "installing focus-validator $validator_version into $venv with $("$python" --version 2>&1)"
    rm -rf "$venv"
    if ! "$python" -m venv "$venv" >&2 \
        || ! "$venv/bin/pip" install -q --disable-pip-version-check "focus-validator==$validator_version" "pyarrow<20" >&2; then
        log "could not install focus-validator $validator_version"
        rm -rf "$venv"
        exit 3
    fi
    installed="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("focus-validator"))')"
    if [[ "$installed" != "$validator_version" ]]; then
        log "pip installed focus-validator $installed, not $validator_version"
        exit 3
    fi
    touch "$stamp"
fi

# 2. Run it from site-packages (it reads its currency list relative to the working directory).
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -f "$results"
(
    cd "$site"
    "$venv/bin/focus-validator" --data-file "$data_file" --validate-version 1.2 --block-download \
        --applicability-criteria "$criteria" --output-type unittest --output-destination "$results" >&2
) || log "the validator exited non-zero; reading its results anyway"

# 3. The verdict, from the per-rule results.
exec "$venv/bin/python" "$here/verdict.py" "$results"
