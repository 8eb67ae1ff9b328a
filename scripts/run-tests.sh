#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs every test: the release
# build, then the AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
for preset in host host-sanitize; do
  echo "=== ${preset}"
  cmake --preset "${preset}"
  cmake --build --preset "${preset}"
  ctest --preset "${preset}"
done
