#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs every test: the release
# build, the AddressSanitizer + UndefinedBehaviorSanitizer build, the core
# cross-compiled for the Cortex-M4F, and the readers' libFuzzer targets for
# 20 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
for preset in host host-sanitize; do
  echo "=== ${preset}"
  cmake --preset "${preset}"
  cmake --build --preset "${preset}"
  ctest --preset "${preset}"
done
# The core rule that dsp/ and metering/ build for the Cortex-M4F (-Werror).
echo "=== cortex-m4f-core"
cmake --preset cortex-m4f-core
cmake --build --preset cortex-m4f-core
# The recording readers' fuzz targets, briefly (scripts/fuzz.sh SECONDS runs them at length).
./scripts/fuzz.sh 20
