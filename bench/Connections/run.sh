#!/usr/bin/env bash
# bench/Connections (issue 7 §1): connections accepted per second by the kernel's connection host. Starts
# `kernel serve` with the Finger sample on a free 127.0.0.1 port (test.dom, alice), then runs the load driver:
# N parallel clients, each looping connect → one finger query → read the answer until the server closes → close.
# Alternates two client counts (A B A B A B, ROUNDS times) and prints the median and spread (min–max) of each,
# plus the server's peak RSS. There is no peer finger server packaged on these machines, so no ratio is printed.
#
# usage: bench/Connections/run.sh [--smoke]     (environment: CLIENTS_A=4 CLIENTS_B=32 BENCH_SECONDS=5 ROUNDS=3)
# Needs the built tree (dotnet build Kernel.sln -c Release).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CLIENTS_A=${CLIENTS_A:-4}; CLIENTS_B=${CLIENTS_B:-32}; SECONDS_EACH=${BENCH_SECONDS:-5}; ROUNDS=${ROUNDS:-3}
for a in "$@"; do [ "$a" = "--smoke" ] && { SECONDS_EACH=1; ROUNDS=1; }; done
KERNEL="dotnet $REPO/artifacts/kernel/kernel.dll"
dotnet build -c Release "$REPO/bench/Connections" -v quiet -nologo >/dev/null
BENCH="dotnet $REPO/bench/Connections/bin/Release/net10.0/connections-bench.dll"
WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/plugins" && cp -r "$REPO/artifacts/samples/Finger" "$WORK/plugins/Finger"
$KERNEL domain add test.dom --data "$WORK/data" >/dev/null
$KERNEL account add alice@test.dom --password pw --real-name "Alice Liddell" --data "$WORK/data" >/dev/null
$KERNEL serve --data "$WORK/data" "--Kernel:PluginsDirectory=$WORK/plugins" "--Finger:Listen:0=127.0.0.1:0" \
  "--Finger:MaxConnectionsPerIp=1000" "--Finger:MaxConnections=1000" "--Logging:LogLevel:Default=Warning" \
  "--Logging:LogLevel:Kernel.Connections=Information" >"$WORK/serve.log" 2>&1 &
SERVER=$!
PORT=""
for _ in $(seq 1 150); do
  PORT=$(sed -n 's/.*listening finger 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/serve.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.2
done
[ -n "$PORT" ] || { echo "no 'listening finger' line"; cat "$WORK/serve.log"; exit 1; }
echo "== kernel connection host, Finger sample on 127.0.0.1:$PORT ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${SECONDS_EACH} s per run)"
$BENCH "127.0.0.1:$PORT" 2 1 >/dev/null || true   # warm-up

A=(); B=()
for r in $(seq 1 "$ROUNDS"); do
  OUT=$($BENCH "127.0.0.1:$PORT" "$CLIENTS_A" "$SECONDS_EACH"); echo "round $r A: $OUT"; A+=("$(sed -n 's/.*connections\/s=\([0-9]*\).*/\1/p' <<<"$OUT")")
  OUT=$($BENCH "127.0.0.1:$PORT" "$CLIENTS_B" "$SECONDS_EACH"); echo "round $r B: $OUT"; B+=("$(sed -n 's/.*connections\/s=\([0-9]*\).*/\1/p' <<<"$OUT")")
done
PEAK=$(sed -n 's/VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$SERVER/status")
python3 - "$CLIENTS_A" "$CLIENTS_B" "$PEAK" "${A[*]}" "${B[*]}" <<'PY'
import statistics, sys
ca, cb, peak, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), [int(x) for x in sys.argv[4].split()], [int(x) for x in sys.argv[5].split()]
for n, xs in ((ca, a), (cb, b)):
    print(f"{n:>3} clients: median {statistics.median(xs):,.0f} connections/s (min {min(xs):,}, max {max(xs):,}; runs {', '.join(f'{x:,}' for x in xs)})")
print(f"server peak RSS {peak // 1024} MiB")
PY
