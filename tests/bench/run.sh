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
  echo "opened again in the running window with a warm worker: the warm target printed per model;"
  echo "expand-all on the 20k-node model <= 5 s, then pan/zoom frames p95 <= 16 ms;"
  echo "longest UI-thread stall <= 100 ms):"
  export QT_QPA_PLATFORM=offscreen PTL_STUDIO_WORKER="$build/app/cli/ptl-studio-cli"
  for model in mobilenet_v2.pt bert_lite.pt deep_20k.pt mobilenet_v2.ptl; do
    "$build/tests/bench/bench_gui" "$models/$model" 2>/dev/null | tail -n 1
  done
  "$build/tests/bench/bench_gui" "$models/deep_20k.pt" --expand-all 2>/dev/null | tail -n 1
fi

if [ -x "$build/tests/bench/bench_convert_gui" ]; then
  echo
  echo "Convert through the window vs ptl-studio-cli convert (one process, 3 alternating rounds, medians;"
  echo "targets: GUI <= 1.1x the CLI; longest UI-thread stall from the click to the plots redrawn <= 100 ms):"
  export QT_QPA_PLATFORM=offscreen PTL_STUDIO_WORKER="$build/app/cli/ptl-studio-cli"
  "$build/tests/bench/bench_convert_gui" "$models/mobilenet_v2.pt" 2>/dev/null | tail -n 2
  "$build/tests/bench/bench_convert_gui" "$models/bert_lite.pt" --quantize dynamic 2>/dev/null | tail -n 1
fi

if [ -x "$build/tests/bench/bench_plots" ]; then
  echo
  echo "Variant plots (offscreen; target: redraw with 10 variants <= 50 ms):"
  QT_QPA_PLATFORM=offscreen "$build/tests/bench/bench_plots" 2>/dev/null | tail -n 1
fi
