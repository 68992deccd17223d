#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
log="$(mktemp)"
set +e
dotnet test tests/QuantHdl.Tests/QuantHdl.Tests.csproj -c Release --no-build -nologo 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
line="$(grep -E '(Passed|Failed)!' "$log" | tail -1)"
passed="$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$line")"
failed="$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$line")"
skipped="$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$line")"
rm -f "$log"
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$rc" -eq 0 ] && [ "${passed:-0}" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$rc"
