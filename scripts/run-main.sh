#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs the main job on the
# default meter (3P4W, 230 V, 50 Hz): a recorded-style waveform with
# harmonics replayed through the metering core, one table per window.
# (The IEC 62053-22/23 accuracy campaign takes this place once it lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset host
cmake --build --preset host --target meter-sim
out=build/host/main-job
mkdir -p "${out}"
./build/host/host_sim/meter-sim generate "${out}/3p4w-230v-50hz.csv" --seconds 3 --f 50 --un 230 --i 5 \
  --phi 30 --v-harmonic 5:0.05 --v-harmonic 7:0.03 --i-harmonic 5:0.3 --i-harmonic 7:0.1 --noise 1e-5
./build/host/host_sim/meter-sim replay "${out}/3p4w-230v-50hz.csv" --rate 8000 --wiring 3p4w --nominal-hz 50
