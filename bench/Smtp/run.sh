#!/usr/bin/env bash
# bench/Smtp inbound (issue 10 "Speed"): Kernel's SMTP listener and Postfix smtpd in the same run, the same load from
# Postfix's smtp-source: N messages of 5 KB, 20 parallel sessions, one recipient, one message per connection (or
# many with --reuse: smtp-source -d, each session sends its share over one connection), each delivered durably to a local mailbox (Kernel: the account's
# INBOX in its store; Postfix: virtual(8) Maildir with fsync). Timed from the first connection until the last message
# is in the mailbox. Sides alternate (K P K P …) ROUNDS times; prints each run, the medians and the ratio Kernel ÷ Postfix,
# with CPU per message and peak PSS of each server (../shared/peers/benchutil.py procmon).
#
# usage: bench/Smtp/run.sh [--smoke] [--rounds R] [--messages N] [--reuse] [--only kernel|postfix]
#   --smoke: 400 messages, one round (a check that it runs, not a measurement)
#   --reuse: many messages per connection (smtp-source -d): each of the 20 sessions sends N/20 over one connection
#   --only: run one side (profiling the Kernel alone); the ratio needs both
# Needs: root, postfix + smtp-source (`../shared/peers/peers-setup.sh install`), a built tree (artifacts/kernel with the Smtp plugin).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-}
if [ -z "$PEERS" ]; then
  for p in "$REPO/../shared/peers" /work/shared/peers; do [ -x "$p/peers-setup.sh" ] && { PEERS=$p; break; }; done
fi
N=10000; ROUNDS=3; REUSE=""; ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) N=400; ROUNDS=1 ;;
    --rounds) ROUNDS=$2; shift ;;
    --messages) N=$2; shift ;;
    --reuse) REUSE=-d ;;
    --only) ONLY=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
SESSIONS=20
command -v smtp-source >/dev/null && command -v postfix >/dev/null && [ -n "$PEERS" ] || { echo "needs postfix and smtp-source: $PEERS/peers-setup.sh install" >&2; exit 1; }
[ -f "$REPO/artifacts/kernel/kernel.dll" ] && [ -d "$REPO/artifacts/kernel/plugins/Smtp" ] || { echo "build first: dotnet build Kernel.sln -c Release" >&2; exit 1; }

export PB=${PB:-$(dirname "$(mktemp -u)")/kernel-smtp-bench-peers}
WORK=$(mktemp -d /tmp/kernel-smtp-bench.XXXXXX)
KPID=""
cleanup() {
  [ -n "$KPID" ] && kill -TERM "$KPID" 2>/dev/null && wait "$KPID" 2>/dev/null || true
  "$PEERS/peers-setup.sh" stop postfix >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
KERNEL="dotnet $REPO/artifacts/kernel/kernel.dll"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start_kernel() {
  rm -rf "$WORK/data" "$WORK/plugins"; mkdir -p "$WORK/plugins"
  cp -r "$REPO/artifacts/kernel/plugins/Smtp" "$WORK/plugins/"
  $KERNEL domain add bench.test --data "$WORK/data" >/dev/null
  $KERNEL account add user1@bench.test --password pw --data "$WORK/data" >/dev/null
  $KERNEL serve --data "$WORK/data" --Kernel:PluginsDirectory="$WORK/plugins" --Smtp:Listen:0=127.0.0.1:$PORT \
    --Smtp:Submission:Listen:0=127.0.0.1:0 --Smtp:Smtps:Listen:0=127.0.0.1:0 --Smtp:Odmr:Listen:0=127.0.0.1:0 \
    --Smtp:MaxConnectionsPerIp=100 --Logging:LogLevel:Default=Warning > "$WORK/kernel.log" 2>&1 &
  KPID=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0; sleep 0.2; done
  echo "kernel did not start:"; cat "$WORK/kernel.log"; exit 1
}

# Waits until the INBOX rows reach N (read-only on the store, no CLI process competing for the cores).
wait_kernel() {
  python3 - "$WORK/data/kernel.db" "$1" <<'PY'
import sqlite3, sys, time
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
deadline = time.time() + 900
while time.time() < deadline:
    try:
        if c.execute("select count(*) from mailbox_messages").fetchone()[0] >= n:
            print(f"{time.time():.3f}"); sys.exit(0)
    except sqlite3.OperationalError:
        pass
    time.sleep(0.02)
print("TIMEOUT"); sys.exit(1)
PY
}

run_load() { # port per-session-count
  local port=$1 per=$2
  for _ in $(seq 1 $SESSIONS); do
    smtp-source $REUSE -s 1 -l 5120 -m "$per" -f sender@far.test -t user1@bench.test 127.0.0.1:$port >/dev/null &
  done
  wait $(jobs -p | grep -v -e "^$KPID\$" -e "^${MON:-x}\$") 2>/dev/null || true
}

report() { # side start done n monjson
  python3 - "$@" <<'PY'
import json, sys
side, start, done, n, mon = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
if done.startswith("TIMEOUT"):
    print(f"{side} TIMEOUT"); sys.exit(0)
m = json.load(open(mon))
secs = float(done) - start
print(f"{side} rate={n / secs:.0f} cpu_us_per_msg={1e6 * m['cpu_s'] / n:.0f} peak_pss_mib={m['peak_pss_kib'] // 1024} secs={secs:.2f}")
PY
}

PER=$((N / SESSIONS)); N=$((PER * SESSIONS))
[ "$ONLY" = kernel ] || "$PEERS/peers-setup.sh" start postfix >/dev/null
RESULTS="$WORK/results"; : > "$RESULTS"
echo "== $N messages x 5 KB, $SESSIONS sessions, $([ -n "$REUSE" ] && echo "many per connection (-d)" || echo "one per connection"), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for round in $(seq 1 "$ROUNDS"); do
  if [ "$ONLY" != postfix ]; then
  start_kernel
  python3 "$PEERS/benchutil.py" procmon --pid "$KPID" --out "$WORK/k.json" --max-seconds 900 & MON=$!
  START=$(date +%s.%N); run_load "$PORT" "$PER"; DONE=$(wait_kernel "$N" || true)
  kill -TERM "$MON"; wait "$MON" || true; MON=""
  report kernel "$START" "$DONE" "$N" "$WORK/k.json" | tee -a "$RESULTS"
  kill -TERM "$KPID"; wait "$KPID" 2>/dev/null || true; KPID=""
  fi
  [ "$ONLY" = kernel ] && continue

  rm -rf "$PB"/vmail/user*
  python3 "$PEERS/benchutil.py" procmon --pid "$(tr -d ' ' < "$(postconf -h queue_directory)/pid/master.pid")" --out "$WORK/p.json" --max-seconds 900 & MON=$!
  START=$(date +%s.%N); run_load 2525 "$PER"
  DONE=$(python3 "$PEERS/benchutil.py" waitfiles --dir "$PB/vmail/user1/Maildir/new" --count "$N" --timeout 900 || true)
  kill -TERM "$MON"; wait "$MON" || true; MON=""
  report postfix "$START" "$DONE" "$N" "$WORK/p.json" | tee -a "$RESULTS"
done
python3 - "$RESULTS" <<'PY'
import re, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if "rate=" in l]
def med(side, key):
    v = [float(dict(x.split("=") for x in r[1:])[key]) for r in rows if r[0] == side]
    return statistics.median(v), min(v), max(v)
sides = [s for s in ("kernel", "postfix") if any(r[0] == s for r in rows)]
for side in sides:
    r, c, m = med(side, "rate"), med(side, "cpu_us_per_msg"), med(side, "peak_pss_mib")
    print(f"{side}: median {r[0]:.0f} msg/s (min {r[1]:.0f}, max {r[2]:.0f}), CPU {c[0]:.0f} µs/msg, peak PSS {m[0]:.0f} MiB")
if len(sides) == 2:
    k, p = med("kernel", "rate"), med("postfix", "rate")
    print(f"RATIO kernel ÷ postfix (medians) = {k[0] / p[0]:.2f}")
PY
