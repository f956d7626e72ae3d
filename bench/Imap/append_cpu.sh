#!/usr/bin/env bash
# Server CPU per IMAP APPEND, two kernel builds side by side (issue 11): each gets its own `kernel serve` on a temp
# data folder and a free port; APPEND 5 KB (../shared/peers/imap_load.py append) alternately into each, after a
# warm-up; the server's CPU (utime+stime from /proc/PID/stat) around each run, divided by the messages.
# Usage: bench/Imap/append_cpu.sh BEFORE_KERNEL_DIR AFTER_KERNEL_DIR [MESSAGES] [ROUNDS]
#   a KERNEL_DIR is an artifacts/kernel folder (kernel.dll, plugins/Imap). No Dovecot, no fixed port.
set -euo pipefail
BEFORE=$1; AFTER=$2; N=${3:-2000}; ROUNDS=${4:-2}
LOAD=${LOAD:-/work/shared/peers/imap_load.py}
WORK=$(mktemp -d /tmp/kernel-append-cpu.XXXXXX)
declare -A PID PORT
cleanup() {
  for s in before after; do [ -n "${PID[$s]:-}" ] && { kill -TERM "${PID[$s]}" 2>/dev/null || true; wait "${PID[$s]}" 2>/dev/null || true; }; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
start() { # side dir
  local side=$1 dir=$2 k="dotnet $2/kernel.dll" d="$WORK/$1"
  mkdir -p "$d/plugins"; cp -r "$dir/plugins/Imap" "$d/plugins/"
  $k domain add bench.test --data "$d/data" >/dev/null
  for i in $(seq 1 11); do $k account add "$(printf 'u%04d@bench.test' "$i")" --password pass --data "$d/data" >/dev/null; done
  PORT[$side]=$(free_port)
  $k serve --data "$d/data" --Kernel:PluginsDirectory="$d/plugins" --Imap:Listen:0=127.0.0.1:${PORT[$side]} \
    --Imap:Imaps:Listen:0=127.0.0.1:0 --Logging:LogLevel:Default=Warning > "$d/kernel.log" 2>&1 &
  PID[$side]=$!
  for _ in $(seq 1 150); do (exec 3<>/dev/tcp/127.0.0.1/${PORT[$side]}) 2>/dev/null && return 0; sleep 0.2; done
  echo "$side did not start"; cat "$d/kernel.log"; exit 1
}
run() { # side users count label
  local side=$1 t0 t1 out
  t0=$(cpu_ticks "${PID[$side]}")
  out=$(timeout 600 python3 "$LOAD" --port "${PORT[$side]}" --password pass append --users "$2" --count "$3" --size 5000)
  t1=$(cpu_ticks "${PID[$side]}")
  echo "$4 $side: $out; server CPU $(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) / $3 )) µs/msg"
}
start before "$BEFORE"; start after "$AFTER"
users10=$(for i in $(seq 2 11); do printf 'u%04d@bench.test,' "$i"; done); users10=${users10%,}
for s in before after; do run $s u0001@bench.test 300 warm-up >/dev/null; done
for r in $(seq 1 "$ROUNDS"); do
  for s in before after; do run $s u0001@bench.test "$N" "round $r ×1"; done
  for s in before after; do run $s "$users10" "$N" "round $r ×10"; done
done
