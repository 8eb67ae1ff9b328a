#!/usr/bin/env bash
# Where a Cortex-M4F self-test image spends its instructions, per function
# and per frame (sample set), exactly: QEMU logs every translated block once
# and every execution of one (-d in_asm,exec,nochain), and
# scripts/target_profile.py adds them up. The log streams through a pipe
# (about 11 GB for the Q31 image, never written); a run takes several
# minutes. Build the images first (./scripts/target-report.sh).
# Usage: ./scripts/target-profile.sh float|q31 [functions to list] [frame-function blocks to list]
set -euo pipefail
cd "$(dirname "$0")/.."
variant="${1:?usage: $0 float|q31 [count]}"
count="${2:-30}"
blocks="${3:-0}"
image="build/cortex-m4f/firmware_hal/cortex_m4f/meter-self-test-${variant}.elf"
[[ -f "$image" ]] || { echo "no $image: run ./scripts/target-report.sh first" >&2; exit 1; }
fifo="$(mktemp -u)"
mkfifo "$fifo"
trap 'rm -f "$fifo"' EXIT
python3 scripts/target_profile.py "$count" "$blocks" < "$fifo" &
parser=$!
qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native -icount shift=0 \
  -kernel "$image" -d in_asm,exec,nochain -D "$fifo" > /dev/null
wait "$parser"
