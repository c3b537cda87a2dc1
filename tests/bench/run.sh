#!/usr/bin/env bash
# Runs every benchmark and prints its figures. Usage: tests/bench/run.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
/usr/bin/python3 "$here/bench_inspect.py" "$build"
