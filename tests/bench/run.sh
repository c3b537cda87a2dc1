#!/usr/bin/env bash
# Runs every benchmark and prints its figures. Usage: tests/bench/run.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
models="$here/models"

/usr/bin/python3 "$here/bench_inspect.py" "$build"
echo
/usr/bin/python3 "$here/bench_convert.py" "$build"

echo
echo "layout engines (generated neural-net-shaped graphs):"
"$build/tests/bench/bench_layout"

if [ -x "$build/tests/bench/bench_gui" ]; then
  echo
  echo "GUI (one process per model, offscreen; targets: first graph <= 1.0 s, 1.0 s, 2 s;"
  echo "expand-all on the 20k-node model <= 5 s; longest UI-thread stall <= 100 ms):"
  export QT_QPA_PLATFORM=offscreen PTL_STUDIO_WORKER="$build/app/cli/ptl-studio-cli"
  for model in mobilenet_v2.pt bert_lite.pt; do
    "$build/tests/bench/bench_gui" "$models/$model" 2>/dev/null | tail -n 1
  done
  "$build/tests/bench/bench_gui" "$models/deep_20k.pt" --expand-all 2>/dev/null | tail -n 1
fi
