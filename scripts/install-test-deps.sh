#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK, idempotently: a package is installed only when its
# command is missing. Debian packages: dnsmasq (local DNS for MX/SRV tests), openssl, util-linux; later issues add swaks,
# fetchmail, sip-tester, sipsak, postfix (smtp-sink), litmus, cadaver here.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
want() { local cmd=$1 pkg=$2; have "$cmd" || need+=("$pkg"); }

want dnsmasq dnsmasq
want python3 python3
want nc netcat-openbsd
want openssl openssl      # s_client: STARTTLS and implicit TLS handshakes against the connection host
want runuser util-linux   # the read-only data folder test runs the CLI as nobody
want smtp-sink postfix    # Smtp delivery tests: smtp-sink plays the remote MTA (started per test on a free port)
want swaks swaks         # SMTP interop client for the Smtp plugin tests (AUTH, STARTTLS, SMTPS, relay table)
want fetchmail fetchmail # Smtp tests: ETRN and ODMR (ATRN) modes against the kernel
perl -MNet::SSLeay -MIO::Socket::SSL -e1 >/dev/null 2>&1 || need+=(libnet-ssleay-perl libio-socket-ssl-perl)   # swaks --tls/--tlsc
want mbsync isync         # IMAP interop: mirrors a mailbox both ways against the Imap plugin

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks debconf questions. "Local only" (as ../shared/peers/peers-setup.sh answers) writes a main.cf, which
  # the peer benchmarks' postconf edits need ("No configuration" leaves none); the service is stopped below.
  echo "postfix postfix/main_mailer_type select Local only" | $sudo debconf-set-selections 2>/dev/null || true
  echo "postfix postfix/mailname string bench.local" | $sudo debconf-set-selections 2>/dev/null || true
  $sudo apt-get update -qq >/dev/null || true
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # dnsmasq's Debian package starts a system service on port 53; tests run their own instance on a free port.
  if have dnsmasq && command -v systemctl >/dev/null; then $sudo systemctl disable --now dnsmasq >/dev/null 2>&1 || true; fi
  # Likewise postfix: the tests run smtp-sink themselves; no system MTA may hold port 25.
  if have smtp-sink; then
    if command -v systemctl >/dev/null; then $sudo systemctl disable --now postfix >/dev/null 2>&1 || true; fi
    $sudo postfix stop >/dev/null 2>&1 || true
  fi
fi
