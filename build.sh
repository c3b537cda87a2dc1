#!/usr/bin/env bash
# PTL Studio set-up on Debian bookworm: installs what is missing (apt), builds, then
#   ./build.sh run    opens PTL Studio on the embedded demo model
#   ./build.sh test   runs every test suite (CTest)
#   ./build.sh bench  runs the benchmarks in tests/bench/
#   ./build.sh asan   builds core and CLI with ASan + UBSan (build-asan/), runs their suites and
#                     the hostile suite against that CLI
set -euo pipefail
cd "$(dirname "$0")"

# librsvg2-bin, help2man: icons and manual pages of the package; dpkg-dev (dpkg-shlibdeps) for its
# dependencies; desktop-file-utils, appstream, lintian, shared-mime-info: the package's checks.
# chromium: the review report's test renders it headless, as its readers open it.
# libopenblas0-openmp: LibTorch's float matrix products go through libblas.so.3, and this one
# shares LibTorch's OpenMP threads (the reference BLAS is 2-3x slower).
PACKAGES=(
  cmake ninja-build g++ pkg-config
  libtorch-dev libflatbuffers-dev zlib1g-dev libopenblas0-openmp
  qt6-base-dev qt6-svg-dev libgl-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  libspdlog-dev nlohmann-json3-dev libcli11-dev libgraphviz-dev libstb-dev
  python3-torch python3-torchvision python3-sklearn
  librsvg2-bin help2man dpkg-dev
  desktop-file-utils appstream lintian shared-mime-info libglib2.0-bin
  chromium
)

install_missing() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "Installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build --parallel "$(nproc)"
}

# The asan preset (CMakePresets.json) and its own build folder; the hostile suite's runs get a
# longer guard, as every one starts LibTorch under ASan. An ASan worker cannot take the CLI's
# RLIMIT_DATA cap (its shadow memory counts), so ASan's soft RSS limit stands in for it: past it
# an allocation returns null (LibTorch's bad_alloc) instead of ending the process.
# ASan's stack frames are several times larger, so the hostile suite's processes get a 64 MiB
# stack where the normal build has 8 MiB.
sanitizer_run() {
  cmake --preset asan -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON
  cmake --build --preset asan --parallel "$(nproc)"
  ctest --preset asan
  (
    ulimit -s 65536
    ASAN_OPTIONS=detect_leaks=0:protect_shadow_gap=0:allocator_may_return_null=1:soft_rss_limit_mb=6144:hard_rss_limit_mb=12288 \
      PTL_HOSTILE_GUARD=${PTL_HOSTILE_GUARD:-120} \
      build-asan/tests/hostile/tst_hostile
  )
}

command=${1:-run}
install_missing
if [ "$command" = asan ]; then
  sanitizer_run
  exit
fi
build
case "$command" in
  run)
    if [ -x build/app/gui/ptl-studio ]; then
      exec build/app/gui/ptl-studio "${@:2}"
    fi
    exec build/app/cli/ptl-studio-cli inspect "${2:-resources/demo/demo.pt}"
    ;;
  test)
    cd build && exec ctest --output-on-failure --timeout 900
    ;;
  bench)
    exec tests/bench/run.sh build
    ;;
  *)
    echo "usage: $0 [run|test|bench|asan]" >&2
    exit 2
    ;;
esac
