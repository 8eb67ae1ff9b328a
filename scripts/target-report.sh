#!/usr/bin/env bash
# Builds the Cortex-M4F images, runs them under qemu-system-arm -icount
# shift=0, and prints the target figures (instructions per sample set, THD
# per window, flash, RAM, stack), also written to
# build/cortex-m4f/target-report.json. Needs the host build's meter-sim
# (it computes the images' expected values).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset host >/dev/null
cmake --build --preset host --target meter-sim
cmake --preset cortex-m4f >/dev/null
cmake --build --preset cortex-m4f
ctest --preset cortex-m4f -R target_report --output-on-failure -V | sed -n 's/^[0-9]*: //p' | grep -v "^Test command\|^Working Directory\|^Test timeout"
