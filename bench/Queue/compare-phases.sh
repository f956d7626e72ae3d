#!/usr/bin/env bash
# Every phase of queue-bench (body writes, durable submits, local deliveries, submit-to-INBOX) of this tree against an
# older revision's, in one run, alternated old/new, so machine load hits both alike (issue 9: "bench/Queue figures are
# no worse in the same run"). Prints every round, then medians and new ÷ old per phase.
#
# usage: bench/Queue/compare-phases.sh REV [ROUNDS=3] [MESSAGES=5000]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
REV=${1:?usage: compare-phases.sh REV [ROUNDS] [MESSAGES]}; ROUNDS=${2:-3}; N=${3:-5000}
OLD=$(mktemp -d "${TMPDIR:-/tmp}/queue-bench-$REV.XXXXXX")
trap 'rm -rf "$OLD"' EXIT
git -C "$REPO" archive "$REV" | tar -x -C "$OLD"
dotnet build -c Release "$OLD/bench/Queue" -v quiet -nologo >/dev/null
dotnet build -c Release "$REPO/bench/Queue" -v quiet -nologo >/dev/null
OLD_DLL=$OLD/bench/Queue/bin/Release/net10.0/queue-bench.dll
NEW_DLL=$REPO/bench/Queue/bin/Release/net10.0/queue-bench.dll
echo "== $ROUNDS rounds × $N messages, old = $REV, new = $(git -C "$REPO" rev-parse --short HEAD) ($(nproc) cores)"
RESULTS=()
for r in $(seq 1 "$ROUNDS"); do
  for side in old new; do
    dll=$OLD_DLL; [ "$side" = new ] && dll=$NEW_DLL
    line=$(dotnet "$dll" --messages "$N" | grep '^RESULT body-writes')
    echo "round $r $side: ${line#RESULT } (load $(cut -d' ' -f1 /proc/loadavg))"
    RESULTS+=("$side ${line#RESULT }")
  done
done
printf '%s\n' "${RESULTS[@]}" | python3 -c '
import statistics, sys, re
rows = {"old": [], "new": []}
for line in sys.stdin:
    side, rest = line.split(" ", 1)
    rows[side].append({k: float(v) for k, v in re.findall(r"([\w-]+)/s=(\d+)", rest)})
for key in rows["old"][0]:
    o = statistics.median(r[key] for r in rows["old"]); n = statistics.median(r[key] for r in rows["new"])
    ratios = [b[key] / a[key] for a, b in zip(rows["old"], rows["new"])]
    print(f"{key:18}: old median {o:6.0f} /s, new median {n:6.0f} /s, new ÷ old per round median {statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})")
'
