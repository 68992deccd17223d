#!/usr/bin/env bash
# Makes README's screenshot docs/report.png (and docs/demo-report.md, docs/demo-report.html) from the demo's build with the same
# commands a user runs: synth (xc7, cached by RTL hash) and report --screenshot.
# Usage: scripts/report-screenshot.sh [BUILD]   (default runs/demo/build, written by ./quanthdl demo)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-runs/demo/build}"
q() { dotnet src/QuantHdl.Cli/bin/Release/net10.0/quanthdl.dll "$@"; }
[ -f "$build/ir.json" ] || { echo "report-screenshot: $build/ir.json is missing; run ./quanthdl demo first" >&2; exit 1; }
q synth --build "$build" --target xc7 --whole-limit "${WHOLE_LIMIT:-300}"
# report --screenshot refuses an existing PNG, so it renders to a new name that then replaces ours.
tmp="docs/.report.$$.png"
trap 'rm -f "$tmp"' EXIT
q report --build "$build" --screenshot "$tmp"
mv "$tmp" docs/report.png
cp "$build/report.md" docs/demo-report.md
cp "$build/report.html" docs/demo-report.html
echo "wrote docs/report.png, docs/demo-report.md and docs/demo-report.html"
