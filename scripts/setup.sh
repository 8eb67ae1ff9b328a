#!/usr/bin/env bash
# Installs the Debian 12 packages the build needs. Idempotent: only missing
# packages are installed, so a prepared machine pays nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
  qemu-system-arm qemu-user g++-arm-linux-gnueabihf
  libeigen3-dev libkissfft-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libsndfile1-dev debian-archive-keyring gnuplot-nox
)

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
# touching the system's apt configuration. Nothing of it is committed.
deps_dir="$(cd "$(dirname "$0")/.." && pwd)/.deps"
kiss_dir="${deps_dir}/kissfft-131.1.0"
if [ ! -f "${kiss_dir}/kiss_fft.c" ]; then
  echo "setup: fetching the kissfft source package"
  work="${deps_dir}/apt"
  mkdir -p "${work}/lists/partial" "${work}/parts" "${work}/src"
  cat > "${work}/parts/debian-src.sources" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=${work}/parts" -o "Dir::State::Lists=${work}/lists")
  apt-get "${apt_opts[@]}" update -qq
  (cd "${work}/src" && apt-get "${apt_opts[@]}" source --download-only kissfft 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
  tar -xzf "${work}/src/kissfft_131.1.0.orig.tar.gz" -C "${deps_dir}"
  test -f "${kiss_dir}/kiss_fft.c"
fi
