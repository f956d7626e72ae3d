#!/usr/bin/env bash
# bench/Imap (issue 11 "Speed and memory"): Kernel's IMAP plugin and Dovecot imapd side by side in one run, driven by
# the same client (imap_bench.py on ../shared/peers/imap_load.py). Both get the same mailbox of N x 5 KB messages
# (APPEND over 10 connections into user 1's INBOX, identical bytes), then per round and server (K D K D …):
#   warm SELECT + FETCH 1:* (FLAGS UID RFC822.SIZE) latency, SELECT + FETCH 1:* BODY.PEEK[] time,
#   SEARCH HEADER Subject (one hit) and SEARCH BODY (no hit, every body read), APPEND msg/s over 1 and 10 connections,
#   PSS growth per idle logged-in selected connection (200 on user 1's INBOX),
# with the server's CPU (its process tree) per phase. Prints each round, the medians and the ratio Kernel ÷ Dovecot
# (for times: Dovecot ÷ Kernel, so > 1 is always "Kernel better").
#
# usage: bench/Imap/run.sh [--smoke] [--rounds R] [--messages N] [--idle C]
#   --smoke: 1,000 messages, one round, 50 idle connections (a check that it runs, not a measurement)
# Needs: root, dovecot (`../shared/peers/peers-setup.sh install`), a built tree (artifacts/kernel with the Imap plugin).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$REPO/bench/Imap"
PEERS=${PEERS:-}
if [ -z "$PEERS" ]; then
  for p in "$REPO/../shared/peers" /work/shared/peers; do [ -x "$p/peers-setup.sh" ] && { PEERS=$p; break; }; done
fi
N=10000; ROUNDS=3; IDLE=200; APPEND1=1000; APPEND10=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) N=1000; ROUNDS=1; IDLE=50; APPEND1=200; APPEND10=400 ;;
    --rounds) ROUNDS=$2; shift ;;
    --messages) N=$2; shift ;;
    --idle) IDLE=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v dovecot >/dev/null && [ -n "$PEERS" ] || { echo "needs dovecot: $PEERS/peers-setup.sh install" >&2; exit 1; }
[ -f "$REPO/artifacts/kernel/kernel.dll" ] && [ -d "$REPO/artifacts/kernel/plugins/Imap" ] || { echo "build first: dotnet build Kernel.sln -c Release" >&2; exit 1; }

export PB=${PB:-$(dirname "$(mktemp -u)")/kernel-imap-bench-peers}
WORK=$(mktemp -d /tmp/kernel-imap-bench.XXXXXX)
KPID=""
cleanup() {
  if [ -n "$KPID" ]; then kill -TERM "$KPID" 2>/dev/null || true; wait "$KPID" 2>/dev/null || true; fi
  "$PEERS/peers-setup.sh" stop dovecot >/dev/null 2>&1 || true
  rm -rf "$WORK" "$PB/dmail"
}
trap cleanup EXIT
KERNEL="dotnet $REPO/artifacts/kernel/kernel.dll"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DRIVE=(python3 "$HERE/imap_bench.py" --peers "$PEERS" --messages "$N" --idle "$IDLE" --append1 "$APPEND1" --append10 "$APPEND10")

start_kernel() {
  mkdir -p "$WORK/plugins"
  cp -r "$REPO/artifacts/kernel/plugins/Imap" "$WORK/plugins/"
  if [ ! -d "$WORK/data" ]; then
    $KERNEL domain add bench.test --data "$WORK/data" >/dev/null
    for i in $(seq 1 12); do $KERNEL account add "$(printf 'u%04d@bench.test' "$i")" --password pass --data "$WORK/data" >/dev/null; done
  fi
  $KERNEL serve --data "$WORK/data" --Kernel:PluginsDirectory="$WORK/plugins" --Imap:Listen:0=127.0.0.1:$PORT \
    --Imap:Imaps:Listen:0=127.0.0.1:0 --Imap:MaxConnectionsPerIp=1000 --Imap:MaxConnections=2000 \
    --Logging:LogLevel:Default=Warning > "$WORK/kernel.log" 2>&1 &
  KPID=$!
  for _ in $(seq 1 150); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0; sleep 0.2; done
  echo "kernel did not start:"; cat "$WORK/kernel.log"; exit 1
}
stop_kernel() { kill -TERM "$KPID"; wait "$KPID" 2>/dev/null || true; KPID=""; }
dovecot_pid() { cat "$PB/dovecot/run/master.pid"; }
kernel_drive() { "${DRIVE[@]}" --port "$PORT" --pid "$KPID" --user-format 'u{:04d}@bench.test' "$@"; }
dovecot_drive() { "${DRIVE[@]}" --port 1143 --pid "$(dovecot_pid)" --user-format 'u{:04d}' "$@"; }

RESULTS="$WORK/results.jsonl"; : > "$RESULTS"
echo "== $N messages x 5 KB, $ROUNDS round(s), $IDLE idle connections, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
rm -rf "$PB/dmail"
"$PEERS/peers-setup.sh" start dovecot >/dev/null
start_kernel
echo "fill kernel:  $(kernel_drive fill)"
echo "fill dovecot: $(dovecot_drive fill)"
stop_kernel # the rounds start from a fresh process (the PSS base is not a heap still shrinking after the fill)
for round in $(seq 1 "$ROUNDS"); do
  # a fresh kernel process per round (same data), as the Dovecot processes are per connection
  [ -n "$KPID" ] || start_kernel
  kernel_drive measure | sed -u "s/^{/{\"side\": \"kernel\", \"round\": $round, /" | tee -a "$RESULTS"
  stop_kernel
  dovecot_drive measure | sed -u "s/^{/{\"side\": \"dovecot\", \"round\": $round, /" | tee -a "$RESULTS"
done
python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(side, phase, key):
    v = [r[key] for r in rows if r["side"] == side and r["phase"] == phase]
    return statistics.median(v) if v else float("nan")
table = [  # phase, key, label, unit, higher is better, cpu key
    ("selfetch", "ms", "SELECT + FETCH 1:* (FLAGS UID RFC822.SIZE)", "ms", False, "cpu_ms"),
    ("bodies", "ms", "SELECT + FETCH 1:* BODY.PEEK[]", "ms", False, "cpu_ms"),
    ("search_header", "ms", "SELECT + SEARCH HEADER Subject", "ms", False, "cpu_ms"),
    ("search_body", "ms", "SELECT + SEARCH BODY (no hit)", "ms", False, "cpu_ms"),
    ("append1", "rate", "APPEND 5 KB, 1 connection", "msg/s", True, "cpu_us"),
    ("append10", "rate", "APPEND 5 KB, 10 connections", "msg/s", True, "cpu_us"),
    ("idle", "per_conn_kib", "PSS per idle selected connection", "KiB", False, None),
]
print()
print("| measure | Kernel | Dovecot | Kernel better by (×) | Kernel CPU | Dovecot CPU |")
print("|---|---|---|---|---|---|")
for phase, key, label, unit, higher, cpu in table:
    k, d = med("kernel", phase, key), med("dovecot", phase, key)
    ratio = (k / d if higher else d / k) if k and d else float("nan")
    cu = {"cpu_ms": "ms", "cpu_us": "µs/msg"}.get(cpu, "")
    kc = f"{med('kernel', phase, cpu):.0f} {cu}" if cpu else ""
    dc = f"{med('dovecot', phase, cpu):.0f} {cu}" if cpu else ""
    print(f"| {label} | {k:.1f} {unit} | {d:.1f} {unit} | {ratio:.2f} | {kc} | {dc} |")
PY
