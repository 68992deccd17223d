#!/usr/bin/env bash
# Installs what QuantHdl needs on Debian 12 (only what is missing) and builds the solution.
# Idempotent: a second run does no apt work and an incremental build.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(verilator yosys iverilog nextpnr-ice40 fpga-icestorm chromium dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing missing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup: not root and no sudo; install them yourself with:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK (dotnet) is not on PATH; install it first" >&2
  exit 1
fi

# The build log is shown only when the build fails, so commands print nothing but their own output.
log="$(mktemp)"
if ! dotnet build QuantHdl.sln -c Release -nologo -v quiet -clp:ErrorsOnly >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "setup: the build failed" >&2
  exit 1
fi
rm -f "$log"
