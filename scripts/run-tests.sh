#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs every test: the
# embedded-Linux build (arm-linux-gnueabihf) and the host release build (its
# tests replay recordings through meter-linux on the host and under
# qemu-arm), the AddressSanitizer + UndefinedBehaviorSanitizer build, the
# Cortex-M4F self-test images under qemu-system-arm (which also write
# build/cortex-m4f/target-report.json), and the libFuzzer targets (CSV,
# COMTRADE and WAV readers, the --map parser) for 20 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Cross-target tests may not skip here.
export METER_REQUIRE_TARGETS=1
# CI always has ../shared/recordings beside the clone: there a missing copy
# fails the tests that replay it, instead of skipping them (a user's clone
# without it still runs every other test).
if [ "${CI:-}" = "true" ]; then
  export METER_REQUIRE_RECORDINGS=1
fi
echo "=== linux-armhf"
cmake --preset linux-armhf
cmake --build --preset linux-armhf
for preset in host host-sanitize; do
  echo "=== ${preset}"
  cmake --preset "${preset}"
  cmake --build --preset "${preset}"
  ctest --preset "${preset}"
done
# The images' expected values come from the host build's meter-sim.
echo "=== cortex-m4f"
cmake --preset cortex-m4f
cmake --build --preset cortex-m4f
ctest --preset cortex-m4f
# The fuzz targets, briefly (scripts/fuzz.sh SECONDS runs them at length).
./scripts/fuzz.sh 20
