#!/usr/bin/env bash
# Outbound relay, Kernel versus Postfix in one run (issue 10 "Speed": "Kernel relaying 10,000 messages to smtp-sink
# versus Postfix relaying to it"). Both relay N messages of 5 KB to the same kind of remote, Postfix's smtp-sink on a
# free 127.0.0.1 port started with -M N (it exits after the N-th message), timed from the first submission until it
# exits:
#   Kernel : submit_load.py → SubmitProbe (durable submission, 20 connections) → queue → Router → Smtp transport
#            (20 target queues d1..d20.bench = dK.bench@sinkK.bench.PORT.via, dnsmasq: sinkK.bench → 127.0.0.1 TTL 300;
#            pooled, pipelined sessions, up to 20 connections to the sink)
#   Postfix: smtp-source -s 20 → smtpd 127.0.0.1:2525 (../shared/peers) → queue → smtp(8) to [127.0.0.1]:PORT
#            (transport_maps for relay.bench, added for the run and removed after)
# Sides alternate K P K P K P (ROUNDS each); prints each round, medians and spreads, the ratio Kernel ÷ Postfix,
# CPU seconds per message and peak PSS of each server (benchutil.py procmon).
#
# usage: bench/Smtp/Relay/run.sh [N=10000] [ROUNDS=3]      needs root, postfix (peers-setup.sh install), dnsmasq
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
N=${1:-10000}; ROUNDS=${2:-3}; SESSIONS=20; SIZE=5120
PEERS=${PEERS:-}
for p in "$REPO/../shared/peers" /work/shared/peers; do [ -z "$PEERS" ] && [ -x "$p/peers-setup.sh" ] && PEERS=$p; done
BU="$PEERS/benchutil.py"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/smtp-relay-bench.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  postconf -X transport_maps 2>/dev/null && postfix reload >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_exit() { local pid=$1 t=$2; for _ in $(seq 1 $((t * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done; return 1; }

start_sink() {   # smtp-sink that exits after N messages
  SINK_PORT=$(free_port)
  smtp-sink -u nobody -M "$N" -m 256 "127.0.0.1:$SINK_PORT" 256 >/dev/null 2>&1 &
  SINK=$!; PIDS+=("$SINK")
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && break; sleep 0.1; done
}

dotnet build -c Release "$REPO/Kernel.sln" -v quiet -nologo >/dev/null
dotnet build -c Release "$REPO/tests/Plugins/SubmitProbe" -v quiet -nologo >/dev/null

kernel_round() {
  local data="$WORK/kdata" plugins="$WORK/kplugins" dport
  rm -rf "$data" "$plugins"; mkdir -p "$data" "$plugins"
  cp -r "$REPO/artifacts/kernel/plugins/Router" "$REPO/artifacts/kernel/plugins/Smtp" "$REPO/artifacts/test-plugins/SubmitProbe" "$plugins/"
  dport=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local records=(); for k in $(seq 1 $SESSIONS); do records+=("--host-record=sink$k.bench,127.0.0.1"); done
  dnsmasq --no-daemon --port="$dport" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --conf-file=/dev/null \
    --pid-file= --log-facility=- --local-ttl=300 --local=/bench/ "${records[@]}" >/dev/null 2>&1 &
  local dns=$!; PIDS+=("$dns")
  start_sink
  dotnet "$REPO/artifacts/kernel/kernel.dll" serve --data "$data" --Kernel:PluginsDirectory="$plugins" \
    --Dns:Servers:0="127.0.0.1:$dport" --SubmitProbe:Listen:0=127.0.0.1:0 --Smtp:Delivery:MaxConnectionsPerTarget=$SESSIONS \
    --Smtp:Delivery:HeloName=kernel.bench --Logging:LogLevel:Default=Warning --Logging:LogLevel:Kernel=Information >"$WORK/kernel.log" 2>&1 &
  local kernel=$!; PIDS+=("$kernel")
  local probe=""
  for _ in $(seq 1 300); do probe=$(sed -n 's/.*listening submitprobe 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/kernel.log" | head -1); [ -n "$probe" ] && break; sleep 0.1; done
  [ -n "$probe" ] || { echo "kernel did not start:"; tail -20 "$WORK/kernel.log"; exit 1; }
  local table=""; for k in $(seq 1 $SESSIONS); do table+="d$k.bench = d$k.bench@sink$k.bench.$SINK_PORT.via"$'\n'; done
  printf '%s' "$table" | dotnet "$REPO/artifacts/kernel/kernel.dll" router set - --data "$data" --Kernel:PluginsDirectory="$plugins" >/dev/null
  for _ in $(seq 1 100); do grep -q "router table loaded: $SESSIONS records" "$WORK/kernel.log" && break; sleep 0.1; done
  python3 "$BU" procmon --pid "$kernel" --out "$WORK/kmon.json" --stop-file "$WORK/kstop" --max-seconds 900 & local mon=$!
  local t0; t0=$(date +%s.%N)
  python3 "$HERE/submit_load.py" 127.0.0.1 "$probe" "$N" "$SESSIONS" "$SIZE" >"$WORK/submit.out"
  wait_exit "$SINK" 600 || { echo "kernel: the sink did not get $N messages in time"; tail -20 "$WORK/kernel.log"; exit 1; }
  local t1; t1=$(date +%s.%N)
  touch "$WORK/kstop"; wait "$mon"; rm -f "$WORK/kstop"
  kill "$kernel" "$dns" 2>/dev/null; wait "$kernel" "$dns" 2>/dev/null || true
  python3 - "$N" "$t0" "$t1" "$WORK/kmon.json" "$(cat "$WORK/submit.out")" <<'PY'
import json, sys
n, t0, t1 = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]); m = json.load(open(sys.argv[4]))
print(f"kernel  {n / (t1 - t0):7.1f} msg/s  {t1 - t0:6.1f} s  cpu {1e6 * m['cpu_s'] / n:6.0f} µs/msg  peak PSS {m['peak_pss_kib'] / 1024:6.1f} MiB  ({sys.argv[5]})")
PY
}

postfix_round() {
  start_sink
  "$PEERS/peers-setup.sh" start postfix >/dev/null
  postconf -e "transport_maps = inline:{relay.bench=smtp:[127.0.0.1]:$SINK_PORT}" "smtp_connection_cache_on_demand = yes"
  postfix reload >/dev/null 2>&1; sleep 1
  local master; master=$(tr -d ' ' < "$(postconf -h queue_directory)/pid/master.pid")
  python3 "$BU" procmon --pid "$master" --out "$WORK/pmon.json" --stop-file "$WORK/pstop" --max-seconds 900 & local mon=$!
  local t0; t0=$(date +%s.%N)
  smtp-source -s $SESSIONS -m "$N" -l $SIZE -f bench@bench.test -t u@relay.bench 127.0.0.1:2525
  wait_exit "$SINK" 600 || { echo "postfix: the sink did not get $N messages in time"; exit 1; }
  local t1; t1=$(date +%s.%N)
  touch "$WORK/pstop"; wait "$mon"; rm -f "$WORK/pstop"
  postconf -X transport_maps; postfix reload >/dev/null 2>&1
  python3 - "$N" "$t0" "$t1" "$WORK/pmon.json" <<'PY'
import json, sys
n, t0, t1 = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]); m = json.load(open(sys.argv[4]))
print(f"postfix {n / (t1 - t0):7.1f} msg/s  {t1 - t0:6.1f} s  cpu {1e6 * m['cpu_s'] / n:6.0f} µs/msg  peak PSS {m['peak_pss_kib'] / 1024:6.1f} MiB")
PY
}

echo "== relay $N × $SIZE B, $SESSIONS sessions, $ROUNDS rounds per side ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ))"
for r in $(seq 1 "$ROUNDS"); do
  kernel_round | tee -a "$WORK/results"
  postfix_round | tee -a "$WORK/results"
done
python3 - "$WORK/results" <<'PY'
import statistics, sys
k, p = [], []
for line in open(sys.argv[1]):
    side, rate = line.split()[0], float(line.split()[1])
    (k if side == "kernel" else p).append(rate)
for name, v in (("kernel", k), ("postfix", p)):
    print(f"{name:8}: median {statistics.median(v):7.1f} msg/s, spread {min(v):.1f}–{max(v):.1f}")
r = [a / b for a, b in zip(k, p)]
print(f"kernel ÷ postfix per round: median {statistics.median(r):.2f}, spread {min(r):.2f}–{max(r):.2f}")
PY
