#!/usr/bin/env bash
# Builds and runs the recording readers' libFuzzer targets.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 600; the test command uses 20)
# Seeds come from ../shared/recordings (when present) and a generated CSV;
# corpora and any crash reproducers stay in build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
cmake --preset fuzz > /dev/null
cmake --build --preset fuzz
work=build/fuzz/corpus
mkdir -p "${work}/csv" "${work}/comtrade"
printf 'va,vb,vc,ia,ib,ic\n1,2,3,4,5,6\n-1,-2,-3,-4,-5,-6\n' > "${work}/csv/seed.csv"
printf 'va,ia,t\n1e3,2.5,0\n"x",1,2\n' > "${work}/csv/seed2.csv"
if [ -d ../shared/recordings/comtrade-format-samples ]; then
  for cfg in ../shared/recordings/comtrade-format-samples/*.cfg; do
    dat="${cfg%.cfg}.dat"
    [ -f "${dat}" ] || dat=../shared/recordings/comtrade-format-samples/sample_ascii.dat
    { cat "${cfg}"; printf '\n@@\n'; cat "${dat}"; } > "${work}/comtrade/$(basename "${cfg}").seed"
  done
  for cff in ../shared/recordings/comtrade-format-samples/*.cff; do
    { printf 'F'; cat "${cff}"; } > "${work}/comtrade/$(basename "${cff}").seed"
  done
fi
status=0
for target in csv comtrade; do
  echo "=== fuzz_${target}: ${seconds} s"
  if ! (cd build/fuzz && ./tests/fuzz/fuzz_${target} -max_total_time="${seconds}" -max_len=65536 -timeout=10 \
          -print_final_stats=1 "corpus/${target}" > "fuzz_${target}.log" 2>&1); then
    status=1
    tail -n 40 "build/fuzz/fuzz_${target}.log"
    echo "fuzz_${target}: FAILED (reproducer in build/fuzz/)"
  else
    grep -E "^Done|number_of_executed_units" "build/fuzz/fuzz_${target}.log" || true
  fi
done
exit "${status}"
