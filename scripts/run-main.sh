#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs the main job: the
# IEC 62053-22 class 0.5S / IEC 62053-23 class 2 accuracy campaign on the
# default meter (3P4W, 230 V, 50 Hz, 333 mV sensor front end, float core),
# with the JSON result and the Markdown/CSV/PNG report under build/host/.
# Extra arguments go to `meter-sim accuracy` (e.g. --front-end av5 --numeric q31).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset host
cmake --build --preset host --target meter-sim
./build/host/host_sim/meter-sim accuracy --json build/host/accuracy.json --report build/host/accuracy-report "$@"
