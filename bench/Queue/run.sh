#!/usr/bin/env bash
# bench/Queue side by side (issue 3 §9): the kernel's queue-bench (durable submits/s, local deliveries/s,
# submit-to-INBOX/s on the real composition), then Postfix on the same machine in the same run: smtp-source,
# 20 sessions (one per mailbox user1..user20@bench.test), one 5 KB message per connection, timed from the first
# connection until every message is a file in a Maildir (virtual(8), fsync on) — the "≈ 700 msg/s" of
# ../shared/peers/README.md. Prints both figures and the ratio Kernel ÷ Postfix.
#
# usage: bench/Queue/run.sh [--smoke] [queue-bench options…]
#   --smoke: 400 messages each side (CI smoke; not a measurement)
# Needs for the Postfix half: root, postfix (smtp-source) — `peers-setup.sh install` — else it says why it is skipped.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-}
if [ -z "$PEERS" ]; then
  for p in "$REPO/../shared/peers" /work/shared/peers; do [ -x "$p/peers-setup.sh" ] && { PEERS=$p; break; }; done
fi
SMOKE=0; for a in "$@"; do [ "$a" = "--smoke" ] && SMOKE=1; done
N=20000; [ "$SMOKE" = 1 ] && N=400
POSTFIX_N=${POSTFIX_N:-$([ "$SMOKE" = 1 ] && echo 400 || echo 10000)}

dotnet build -c Release "$REPO/bench/Queue" -v quiet -nologo >/dev/null
echo "== kernel (in-process, real stores, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
KOUT=$(dotnet "$REPO/bench/Queue/bin/Release/net10.0/queue-bench.dll" "$@")
echo "$KOUT"
KERNEL_E2E=$(sed -n 's/.*submit-to-inbox\/s=\([0-9]*\).*/\1/p' <<<"$KOUT")

echo "== postfix"
if [ "$(id -u)" != 0 ] || ! command -v smtp-source >/dev/null || ! command -v postfix >/dev/null || [ -z "$PEERS" ]; then
  echo "postfix half skipped: needs root, postfix with smtp-source (peers-setup.sh install) and the peers folder (PEERS=…)"
  exit 0
fi
export PB=${PB:-$(dirname "$(mktemp -u)")/kernel-queue-bench-peers}
"$PEERS/peers-setup.sh" start postfix
trap '"$PEERS/peers-setup.sh" stop postfix; rm -f "$PB/postfix.json"' EXIT
rm -rf "$PB"/vmail/user*
PER=$((POSTFIX_N / 20))
DIRS=(); for i in $(seq 1 20); do DIRS+=(--dir "$PB/vmail/user$i/Maildir/new"); done
python3 "$PEERS/benchutil.py" procmon --pid "$(tr -d ' ' < "$(postconf -h queue_directory)/pid/master.pid")" --out "$PB/postfix.json" --max-seconds 600 &
MON=$!
START=$(date +%s.%N)
for i in $(seq 1 20); do
  smtp-source -s 1 -l 5120 -m "$PER" -f sender@bench.local -t "user$i@bench.test" 127.0.0.1:2525 >/dev/null &
done
wait $(jobs -p | grep -v "^$MON\$") 2>/dev/null || true
SUBMITTED=$(date +%s.%N)
DONE=$(python3 "$PEERS/benchutil.py" waitfiles "${DIRS[@]}" --count $((PER * 20)) --timeout 600)
kill -TERM "$MON"; wait "$MON" || true
python3 - "$START" "$SUBMITTED" "$DONE" $((PER * 20)) "$PB/postfix.json" "${KERNEL_E2E:-0}" <<'PY'
import json, sys
start, submitted, done, n, mon, kernel = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
if done.startswith("TIMEOUT"):
    print(f"postfix: timed out ({done})"); sys.exit(1)
m = json.load(open(mon))
rate = n / (float(done) - start)
print(f"postfix end to end:     {rate:8.0f} /s  ({n} messages, smtp-source 20 sessions, accepted {n / (submitted - start):.0f}/s, "
      f"last Maildir file after {float(done) - start:.2f} s; postfix CPU {1e6 * m['cpu_s'] / n:.0f} µs per message, peak PSS {m['peak_pss_kib'] // 1024} MiB)")
print(f"RATIO kernel submit-to-INBOX ÷ postfix end to end = {kernel / rate:.2f}")
PY
