#!/usr/bin/env bash
# Syscalls per message of `kernel serve` under SMTP load (strace -f -c): N messages of 5 KB, one per connection, 20
# sessions, after a 100-message warm-up; kernel only, free port, temp data folder.
# usage: bench/Smtp/syscalls.sh INLINE_BODY_LIMIT [N]   (0: every body a file; 65536: the default)
set -euo pipefail
LIMIT=$1; N=${2:-1000}; REPO=$(cd "$(dirname "$0")/../.." && pwd); W=$(mktemp -d /tmp/kernel-syscalls.XXXXXX)
K="dotnet $REPO/artifacts/kernel/kernel.dll"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p $W/plugins; cp -r $REPO/artifacts/kernel/plugins/Smtp $W/plugins/
$K domain add bench.test --data $W/data >/dev/null; $K account add user1@bench.test --password pw --data $W/data >/dev/null
$K serve --data $W/data --Kernel:PluginsDirectory=$W/plugins --Smtp:Listen:0=127.0.0.1:$PORT --Smtp:Submission:Listen:0=127.0.0.1:0 \
  --Smtp:Smtps:Listen:0=127.0.0.1:0 --Smtp:Odmr:Listen:0=127.0.0.1:0 --Smtp:MaxConnectionsPerIp=100 --Kernel:Storage:InlineBodyLimit=$LIMIT \
  --Logging:LogLevel:Default=Warning > $W/kernel.log 2>&1 &
KPID=$!
trap 'kill -TERM $KPID 2>/dev/null; wait $KPID 2>/dev/null; rm -rf $W' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.2; done
# warm-up
smtp-source -s 5 -l 5120 -m 100 -f s@far.test -t user1@bench.test 127.0.0.1:$PORT >/dev/null
sleep 2
timeout 300 strace -f -c -o $W/strace.txt -p $KPID & SPID=$!
sleep 1
for _ in $(seq 1 20); do smtp-source -s 1 -l 5120 -m $((N/20)) -f s@far.test -t user1@bench.test 127.0.0.1:$PORT >/dev/null & done
wait $(jobs -p | grep -v -e "^$KPID\$" -e "^$SPID\$")
python3 - $W/data/kernel.db $((N+100)) <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30); n=int(sys.argv[2]); d=time.time()+120
while time.time()<d and c.execute("select count(*) from mailbox_messages").fetchone()[0] < n: time.sleep(0.05)
PY
kill -INT $SPID; wait $SPID || true
echo "limit=$LIMIT messages=$N"
awk -v n=$N 'NR>2 && $NF!="total" && $4 ~ /^[0-9]+$/ {printf "%s %.2f\n", $NF, $4/n}' $W/strace.txt | grep -E "^(fsync|fdatasync|openat|rename|renameat|unlink|unlinkat|lstat|flock|futex|pwrite64|fcntl|close) " | tr "\n" ";"
