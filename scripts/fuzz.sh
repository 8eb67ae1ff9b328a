#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of the recording readers (CSV,
# COMTRADE, WAV), the --map parser, the Modbus request-to-reply path and
# meter-linux's configuration and address parsers.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 600; the test command uses 20)
# Seeds come from ../shared/recordings (when present) and a generated CSV;
# corpora and any crash reproducers stay in build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
cmake --preset fuzz > /dev/null
cmake --build --preset fuzz
work=build/fuzz/corpus
mkdir -p "${work}/csv" "${work}/comtrade" "${work}/wav" "${work}/input_map" "${work}/modbus_request" "${work}/service_config" "${work}/http_query"
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
# A 6-channel 16-bit PCM WAV of two frames, and a 1-channel float one. The
# header's numbers are written as \xNN escapes, which the outer printf turns
# into bytes.
wav_header() {  # channels bits format(1 PCM, 3 float) data_bytes
  local ch=$1 bits=$2 fmt=$3 bytes=$4 rate=8000
  local align=$((ch * bits / 8)) le32 le16
  le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
  le16() { printf '\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)); }
  printf "RIFF$(le32 $((36 + bytes)))WAVEfmt $(le32 16)$(le16 "$fmt")$(le16 "$ch")$(le32 $rate)$(le32 $((rate * align)))$(le16 $align)$(le16 "$bits")data$(le32 "$bytes")"
}
{ wav_header 6 16 1 24; printf '\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06\x00\xff\x7f\x00\x80\x10\x00\x20\x00\x30\x00\x40\x00'; } > "${work}/wav/pcm16.wav"
{ wav_header 1 32 3 8; printf '\x00\x00\x80\x3f\x00\x00\x80\xbf'; } > "${work}/wav/float.wav"
printf 'va=VA_G1,vb=2,vc=3,ia=IA,ib=5,ic=6,vn=7,in=8' > "${work}/input_map/full.txt"
printf 'va=1, va = 2,,x' > "${work}/input_map/bad.txt"
# Modbus: 16 bytes of meter state, then a TCP stream of two reads and a write.
printf '\x03\x03\x03\x03\x00\x00\x66\x43\x00\x00\x48\x42\x40\xe2\x01\x00\x00\x01\x00\x00\x00\x06\x01\x04\x00\x00\x00\x3c\x00\x02\x00\x00\x00\x06\xff\x03\x9c\x40\x00\x7d\x00\x03\x00\x00\x00\x06\x01\x06\x00\x00\x00\x01' > "${work}/modbus_request/reads.bin"
printf 'modbus-tcp = "127.0.0.1:502"\nun = 230.0\nlinger = true\ninput-lines = [1, 2, 3]\n' > "${work}/service_config/meter.toml"
printf '{"modbus-rtu": "/dev/ttyS0:19200:8E1", "speed": 1, "p1-tcp": "[::1]:1502"}' > "${work}/service_config/meter.json"
printf 'from=2026-12-01T00:00:00Z&to=2026-12-02&step=15min' > "${work}/http_query/dates.txt"
printf 'from=1796640000&to=1796643600&step=60&x=%%41+b' > "${work}/http_query/numbers.txt"
status=0
for target in csv comtrade wav input_map modbus_request service_config http_query; do
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
