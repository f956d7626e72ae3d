#!/usr/bin/env bash
# The whole test suite, all layers: unit and protocol tests (dotnet test) and the interop scripts under
# tests/interop/ that drive real peer programs against a built Kernel. Installs what it needs, builds,
# runs, and ends with one line "N passed, N failed" totalled over all layers; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"

./scripts/install-test-deps.sh || { echo "error: could not install test dependencies" >&2; exit 1; }

dotnet build Kernel.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed (build)"; exit 1; }

results=artifacts/test-results
rm -rf "$results" && mkdir -p "$results"
dotnet test Kernel.sln -c Release --no-build -nologo -v quiet \
  --logger "trx" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  read -r p f s < <(python3 - "$trx" <<'PY'
import sys, xml.etree.ElementTree as ET
c = ET.parse(sys.argv[1]).getroot().find('{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}ResultSummary/{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}Counters')
print(int(c.get('passed', 0)), int(c.get('failed', 0)) + int(c.get('error', 0)) + int(c.get('timeout', 0)) + int(c.get('aborted', 0)), int(c.get('notExecuted', 0)))
PY
)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done
[ -n "$(ls "$results"/*.trx 2>/dev/null)" ] || failed=$((failed + 1))

# Interop layer: each script exits 0 on success and prints its own one-line summary.
for script in tests/interop/*.sh; do
  [ -f "$script" ] || continue
  if timeout 600 bash "$script"; then passed=$((passed + 1)); else echo "FAILED: $script"; failed=$((failed + 1)); fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
