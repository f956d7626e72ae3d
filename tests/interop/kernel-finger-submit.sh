#!/usr/bin/env bash
# Interop: programs nobody here wrote against a running Kernel process.
#  - netcat (nc) speaks RFC 1288 finger to the Finger sample plugin, and openssl s_client speaks it over TLS
#    (Finger:Tls:Listen, the kernel's connection host with its self-signed certificate);
#  - python3's email package builds a MIME message that `kernel submit` queues and the server delivers;
#  - the server stops cleanly on SIGTERM (exit 0).
# Binds 127.0.0.1 only, every wait is bounded, and everything started is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kernel="dotnet $root/artifacts/kernel/kernel.dll"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill -KILL "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "kernel-finger-submit: FAIL: $*"; [ -f "$work/serve.log" ] && tail -20 "$work/serve.log"; exit 1; }

mkdir -p "$work/plugins" && cp -r "$root/artifacts/samples/Finger" "$work/plugins/Finger"
$kernel domain add test.dom --data "$work/data" >/dev/null
$kernel account add alice@test.dom --password pw --real-name "Alice Liddell" --data "$work/data" >/dev/null

$kernel serve --data "$work/data" "--Kernel:PluginsDirectory=$work/plugins" "--Finger:Listen:0=127.0.0.1:0" "--Finger:Tls:Listen:0=127.0.0.1:0" >"$work/serve.log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening finger 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.log" | head -1)
  [ -n "$port" ] && grep -q "kernel started" "$work/serve.log" && break
  sleep 0.2
done
[ -n "$port" ] || fail "no 'listening finger' line"

answer=$(printf 'alice\r\n' | timeout 10 nc -w 5 127.0.0.1 "$port" || true)
echo "$answer" | grep -q "Alice Liddell" || fail "finger alice answered: $answer"
unknown=$(printf 'nobody\r\n' | timeout 10 nc -w 5 127.0.0.1 "$port" || true)
echo "$unknown" | grep -q "Liddell" && fail "finger nobody leaked: $unknown"
tlsport=$(sed -n 's/.*listening finger\/tls 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.log" | head -1)
[ -n "$tlsport" ] || fail "no 'listening finger/tls' line"
tlsanswer=$(printf 'alice\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$tlsport" -quiet 2>/dev/null || true)
echo "$tlsanswer" | grep -q "Alice Liddell" || fail "finger over TLS answered: $tlsanswer"

python3 - >"$work/message.eml" <<'PY'
from email.message import EmailMessage
from email.utils import make_msgid, formatdate
m = EmailMessage()
m["From"] = "Bob <bob@example.org>"
m["To"] = "alice@test.dom"
m["Subject"] = "interop: python email package"
m["Date"] = formatdate()
m["Message-ID"] = make_msgid()
m.set_content("plain part\n")
m.add_alternative("<p>html part</p>", subtype="html")
print(m.as_string())
PY
$kernel submit --from bob@example.org alice@test.dom --data "$work/data" <"$work/message.eml" >/dev/null || fail "kernel submit refused the message"

count=0
for _ in $(seq 1 100); do
  count=$($kernel mailbox list alice@test.dom --json --data "$work/data" | python3 -c 'import json,sys; print(next(m["messages"] for m in json.load(sys.stdin) if m["name"]=="INBOX"))')
  [ "$count" = "1" ] && break
  sleep 0.2
done
[ "$count" = "1" ] || fail "INBOX holds $count messages, expected 1"

kill -TERM "$server"
code=0; wait "$server" || code=$?
server=""
[ "$code" = "0" ] || fail "serve exited with $code after SIGTERM"
grep -q "kernel stopped" "$work/serve.log" || fail "no clean stop in the log"
echo "kernel-finger-submit: ok (nc finger, openssl s_client finger over TLS, python3 email via kernel submit, SIGTERM exit 0)"
