#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs every test: the release
# build, the AddressSanitizer + UndefinedBehaviorSanitizer build, and the
# readers' libFuzzer targets for 20 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
for preset in host host-sanitize; do
  echo "=== ${preset}"
  cmake --preset "${preset}"
  cmake --build --preset "${preset}"
  ctest --preset "${preset}"
done
# The recording readers' fuzz targets, briefly (scripts/fuzz.sh SECONDS runs them at length).
./scripts/fuzz.sh 20
