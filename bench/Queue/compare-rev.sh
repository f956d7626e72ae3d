#!/usr/bin/env bash
# Durable submits/s of this tree's queue against an older revision's, in one run, alternated old/new (issue 7 §2:
# the streaming path must not be slower than the submission path it replaced). The old side is that revision's own
# queue-bench (its "durable submits" phase: SubmitAsync, whole body); the new side is this tree's queue-bench
# --paths-only (SubmitAsync and the streaming path, one round each). Prints every round, medians and spreads.
# With MODE=phases: every phase of both sides' full queue-bench (body writes, durable submits, local deliveries,
# submit-to-INBOX), alternated old/new (issue 9: "bench/Queue figures are no worse in the same run").
#
# usage: bench/Queue/compare-rev.sh REV [ROUNDS=3] [MESSAGES=5000] [MODE=paths|phases]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
REV=${1:?usage: compare-rev.sh REV [ROUNDS] [MESSAGES] [MODE]}; ROUNDS=${2:-3}; N=${3:-5000}; MODE=${4:-paths}
OLD=$(mktemp -d "${TMPDIR:-/tmp}/queue-bench-$REV.XXXXXX")
trap 'rm -rf "$OLD"' EXIT
git -C "$REPO" archive "$REV" | tar -x -C "$OLD"
dotnet build -c Release "$OLD/bench/Queue" -v quiet -nologo >/dev/null
dotnet build -c Release "$REPO/bench/Queue" -v quiet -nologo >/dev/null
OLD_DLL=$OLD/bench/Queue/bin/Release/net10.0/queue-bench.dll
NEW_DLL=$REPO/bench/Queue/bin/Release/net10.0/queue-bench.dll
if [ "$MODE" = phases ]; then
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
  exit 0
fi
echo "== $ROUNDS rounds × $N messages, old = $REV SubmitAsync, new = $(git -C "$REPO" rev-parse --short HEAD) SubmitAsync and streamed ($(nproc) cores)"
OLDS=(); WHOLES=(); STREAMS=()
for r in $(seq 1 "$ROUNDS"); do
  o=$(dotnet "$OLD_DLL" --messages "$N" | sed -n 's/.*submits\/s=\([0-9]*\).*/\1/p')
  n=$(dotnet "$NEW_DLL" --paths-only --rounds 1 --path-messages "$N")
  w=$(sed -n 's/.*submit-whole\/s=\([0-9]*\).*/\1/p' <<<"$n"); s=$(sed -n 's/.*submit-streamed\/s=\([0-9]*\).*/\1/p' <<<"$n")
  echo "round $r: old $o /s, new whole $w /s, new streamed $s /s (load $(cut -d' ' -f1 /proc/loadavg))"
  OLDS+=("$o"); WHOLES+=("$w"); STREAMS+=("$s")
done
python3 - "${OLDS[*]}" "${WHOLES[*]}" "${STREAMS[*]}" <<'PY'
import statistics, sys
old, whole, streamed = ([float(x) for x in a.split()] for a in sys.argv[1:4])
for name, v in (("old SubmitAsync", old), ("new SubmitAsync", whole), ("new streamed", streamed)):
    print(f"{name:16}: median {statistics.median(v):6.0f} /s, spread {min(v):.0f}–{max(v):.0f}")
r = [s / o for s, o in zip(streamed, old)]
print(f"streamed ÷ old per round: median {statistics.median(r):.2f}, spread {min(r):.2f}–{max(r):.2f}")
PY
