#!/usr/bin/env bash
# The dashboard on a replay in real time, on this machine only (127.0.0.1).
#
#   ./scripts/demo.sh                      # a generated 30-minute 3P4W recording with harmonics
#   ./scripts/demo.sh REC.cfg [OPTIONS]    # a recording (COMTRADE, WAV, CSV); OPTIONS go to meter-sim replay
#
# Prints the URL and the token file; stop it with Ctrl-C. Needs the host
# build (either of the README's two commands makes it). The state (registers,
# load profile, certificate, token) is kept in build/demo-state, so a second
# run keeps the same token and certificate.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build --preset host --target meter-sim meter-linux > /dev/null
work=build/demo
state=build/demo-state
mkdir -p "${work}"
port="${METER_DEMO_PORT:-8443}"
if [ $# -eq 0 ]; then
  recording="${work}/demo.csv"
  [ -f "${recording}" ] || ./build/host/host_sim/meter-sim generate "${recording}" --seconds 1800 --rate 8000 --f 50.01 \
    --un 230 --i 12 --phi 28 --v-harmonic 5:0.025 --v-harmonic 7:0.012 --i-harmonic 3:0.18 --i-harmonic 5:0.09 \
    --i-harmonic 7:0.05 --noise 0.0005 > /dev/null
  set -- "${recording}" --wiring 3p4w --rate 8000 --un 230 --in 16
else
  recording="$1"
fi
# The recording as IIO scans (what the board's ADC delivers), then the service.
rate=$(./build/host/host_sim/meter-sim replay "$@" --numeric q31 --json --no-progress --export-scan "${work}/demo.scan" |
  tail -n 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["rate_hz"])')
args=("$@")
un=230; in=5; wiring=3p4w
for ((k = 1; k < ${#args[@]}; k++)); do
  case "${args[k]}" in
    --un) un="${args[k+1]}" ;;
    --in) in="${args[k+1]}" ;;
    --wiring) wiring="${args[k+1]}" ;;
  esac
done
echo "Dashboard: https://127.0.0.1:${port}/  (a self-signed certificate: your browser will ask you to accept it)"
echo "API token: $(pwd)/${state}/api-token  (paste it on the login page; curl -k -H \"Authorization: Bearer \$(cat ${state}/api-token)\" https://127.0.0.1:${port}/api/v1/status)"
exec ./build/host/firmware_hal/linux/meter-linux --source "${work}/demo.scan" --rate "${rate}" --wiring "${wiring}" \
  --un "${un}" --in "${in}" --speed 1 --linger --state-dir "${state}" --serial DEMO0001 --no-json-lines \
  --http "127.0.0.1:${port}" --load-profile-short-period-s 60
