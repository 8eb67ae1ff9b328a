#!/usr/bin/env bash
# Installs the Debian 12 packages the build needs. Idempotent: only missing
# packages are installed, so a prepared machine pays nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev clang-format
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
  qemu-system-arm qemu-user g++-arm-linux-gnueabihf
  libkissfft-dev libfmt-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libsndfile1-dev debian-archive-keyring gnuplot-nox
  # The meter on the network: libraries, and the real clients the tests start.
  libmodbus-dev libtomlplusplus-dev libmosquitto-dev libsqlite3-dev
  python3 python3-pymodbus python3-serial python3-serial-asyncio mbpoll socat
  mosquitto mosquitto-clients python3-paho-mqtt openssl
  # The HTTPS API and dashboard, and the browser and clients that test them.
  libcpp-httplib-dev libssl-dev chromium chromium-driver fonts-dejavu-core
  python3-selenium python3-jsonschema python3-requests curl wrk
  # The meter_core Python package: Debian's python3 and its libraries.
  pybind11-dev python3-dev python3-numpy python3-pandas python3-distributed python3-pytest python3-matplotlib
  # meter-linux for armhf links Debian's armhf libraries (multiarch).
  libmodbus-dev:armhf libmosquitto-dev:armhf libsqlite3-dev:armhf
  libcpp-httplib-dev:armhf libssl-dev:armhf
)

# The armhf packages above need the architecture known to dpkg.
if ! dpkg --print-foreign-architectures | grep -qx armhf; then
  echo "setup: adding the armhf architecture (for libmodbus-dev:armhf)"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO dpkg --add-architecture armhf
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi

# KissFFT's fixed-point (int32) build is not packaged: obtain the upstream
# release from Debian's source package (kissfft 131.1.0) into .deps/, without
# touching the system's apt configuration. The deb-src entries are derived
# from the machine's own Debian sources (deb822 *.sources and one-line
# *.list files), so that a local or corporate mirror serves the source too.
# Nothing of it is committed.
deps_dir="$(cd "$(dirname "$0")/.." && pwd)/.deps"
kiss_dir="${deps_dir}/kissfft-131.1.0"

# Writes deb-src twins of the enabled binary sources into directory $1;
# prints how many it wrote.
derive_source_entries() {
  local out="$1" count=0 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Each stanza whose Types has "deb" gets Types: deb-src; stanzas that
    # are disabled (Enabled: no) stay out.
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Enabled:[ \t]*no/ { next }
         /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|$|\n)/ {
           sub(/Types:[^\n]*/, "Types: deb-src"); print; found = 1 }
         END { exit found ? 0 : 1 }' "$f" > "${out}/$(basename "$f")" && count=$((count + 1)) ||
      rm -f "${out}/$(basename "$f")"
  done
  local lists=()
  [ -f /etc/apt/sources.list ] && lists+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && lists+=("$f"); done
  if [ ${#lists[@]} -gt 0 ] && grep -h '^[[:space:]]*deb[[:space:]]' "${lists[@]}" > /dev/null 2>&1; then
    grep -h '^[[:space:]]*deb[[:space:]]' "${lists[@]}" | sed 's/^[[:space:]]*deb[[:space:]]/deb-src /' > "${out}/derived.list"
    count=$((count + 1))
  fi
  echo "${count}"
}

if [ ! -f "${kiss_dir}/kiss_fft.c" ]; then
  echo "setup: fetching the kissfft source package"
  work="${deps_dir}/apt"
  rm -rf "${work}/parts"
  mkdir -p "${work}/lists/partial" "${work}/parts" "${work}/src"
  if [ "$(derive_source_entries "${work}/parts")" -eq 0 ]; then
    echo "setup: no Debian binary source is configured in /etc/apt; add one (deb or deb822) and run again" >&2
    exit 1
  fi
  echo "setup: source entries derived from the machine's apt sources:"
  cat "${work}"/parts/* | grep -E '^(deb-src|URIs|Suites)' | sed 's/^/  /'
  apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=${work}/parts" -o "Dir::State::Lists=${work}/lists")
  apt-get "${apt_opts[@]}" update -qq
  (cd "${work}/src" && apt-get "${apt_opts[@]}" source --download-only kissfft 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
  tar -xzf "${work}/src/kissfft_131.1.0.orig.tar.gz" -C "${deps_dir}"
  test -f "${kiss_dir}/kiss_fft.c"
fi
