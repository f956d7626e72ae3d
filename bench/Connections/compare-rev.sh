#!/usr/bin/env bash
# Connections/s of the kernel's connection host against an older revision in which the Finger sample ran its own
# accept loop (issue 7 §1: the one kernel-owned accept loop must not be slower than the per-plugin loops it replaced).
# Builds REV into a temporary folder, starts both servers (each with its own Finger sample, same data set-up, free
# 127.0.0.1 ports), then drives both with this tree's load driver, alternated old/new ROUNDS times with CLIENTS
# parallel clients. Prints every round, the medians and spreads, the new÷old ratio per round, and both peak RSS.
#
# usage: bench/Connections/compare-rev.sh REV     (environment: CLIENTS=16 BENCH_SECONDS=5 ROUNDS=3)
# The old revision's Finger caps itself at 64 connections, so keep CLIENTS below that.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
REV=${1:?usage: compare-rev.sh REV}; CLIENTS=${CLIENTS:-16}; SECONDS_EACH=${BENCH_SECONDS:-5}; ROUNDS=${ROUNDS:-3}
OLD=$(mktemp -d "${TMPDIR:-/tmp}/connections-bench-$REV.XXXXXX")
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$OLD" "$WORK"; }
trap cleanup EXIT
git -C "$REPO" archive "$REV" | tar -x -C "$OLD"
dotnet build -c Release "$OLD/Kernel.sln" -v quiet -nologo >/dev/null
dotnet build -c Release "$REPO/bench/Connections" -v quiet -nologo >/dev/null
BENCH="dotnet $REPO/bench/Connections/bin/Release/net10.0/connections-bench.dll"

# start NAME ROOT: a server of the tree at ROOT with its own Finger sample; sets PORT (no subshell: PIDS must grow here).
start() {
  local name=$1 root=$2 k="dotnet $2/artifacts/kernel/kernel.dll" port=""
  mkdir -p "$WORK/$name/plugins" && cp -r "$root/artifacts/samples/Finger" "$WORK/$name/plugins/Finger"
  $k domain add test.dom --data "$WORK/$name/data" >/dev/null
  $k account add alice@test.dom --password pw --real-name "Alice Liddell" --data "$WORK/$name/data" >/dev/null
  $k serve --data "$WORK/$name/data" "--Kernel:PluginsDirectory=$WORK/$name/plugins" "--Finger:Listen:0=127.0.0.1:0" \
    "--Finger:MaxConnectionsPerIp=1000" "--Finger:MaxConnections=1000" "--Logging:LogLevel:Default=Warning" \
    "--Logging:LogLevel:Kernel.Listeners=Information" "--Logging:LogLevel:Kernel.Connections=Information" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 150); do
    port=$(sed -n 's/.*listening finger 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/$name.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.2
  done
  [ -n "$port" ] || { echo "no 'listening finger' line from $name" >&2; cat "$WORK/$name.log" >&2; exit 1; }
  PORT=$port
}
start old "$OLD"; OLD_PORT=$PORT; OLD_PID=${PIDS[-1]}
start new "$REPO"; NEW_PORT=$PORT; NEW_PID=${PIDS[-1]}
echo "== old $REV on :$OLD_PORT, new $(git -C "$REPO" rev-parse --short HEAD) on :$NEW_PORT; $CLIENTS clients, ${SECONDS_EACH} s per run ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
$BENCH "127.0.0.1:$OLD_PORT" 2 1 >/dev/null || true; $BENCH "127.0.0.1:$NEW_PORT" 2 1 >/dev/null || true   # warm-up
O=(); N=()
for r in $(seq 1 "$ROUNDS"); do
  OUT=$($BENCH "127.0.0.1:$OLD_PORT" "$CLIENTS" "$SECONDS_EACH"); echo "round $r old: $OUT"; O+=("$(sed -n 's/.*connections\/s=\([0-9]*\).*/\1/p' <<<"$OUT")")
  OUT=$($BENCH "127.0.0.1:$NEW_PORT" "$CLIENTS" "$SECONDS_EACH"); echo "round $r new: $OUT"; N+=("$(sed -n 's/.*connections\/s=\([0-9]*\).*/\1/p' <<<"$OUT")")
done
PEAK_OLD=$(sed -n 's/VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$OLD_PID/status"); PEAK_NEW=$(sed -n 's/VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$NEW_PID/status")
python3 - "${O[*]}" "${N[*]}" "$PEAK_OLD" "$PEAK_NEW" <<'PY'
import statistics, sys
old, new = ([float(x) for x in a.split()] for a in sys.argv[1:3])
for name, v in (("old (plugin's own loop)", old), ("new (kernel host)", new)):
    print(f"{name:24}: median {statistics.median(v):6.0f} connections/s, spread {min(v):.0f}–{max(v):.0f}")
r = [n / o for n, o in zip(new, old)]
print(f"new ÷ old per round: median {statistics.median(r):.2f}, spread {min(r):.2f}–{max(r):.2f}")
print(f"peak RSS: old {int(sys.argv[3]) // 1024} MiB, new {int(sys.argv[4]) // 1024} MiB")
PY
