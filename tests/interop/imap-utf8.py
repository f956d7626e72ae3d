#!/usr/bin/env python3
"""python3 imaplib and RFC 6855 UTF8=ACCEPT against the Kernel Imap plugin: imaplib.enable("UTF8=ACCEPT"), then
CREATE / LIST / SELECT / STATUS with UTF-8 names, SEARCH with a CHARSET refused (BAD), and a second connection that
did not enable it seeing the same mailboxes in modified UTF-7. (imaplib's own APPEND after ENABLE wraps the
message as "{n} UTF8 (...)" instead of RFC 6855's "UTF8 (~{n} ...)", so APPEND is left to the C# tests.)
Usage: imap-utf8.py PORT USER PASSWORD. Exits non-zero on any mismatch and prints one summary line."""
import imaplib
import ssl

from imapcheck import Checks

check = Checks("imap-utf8")
port, user, password = check.port, check.user, check.password


def connect():
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=20)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    imap.starttls(ssl_context=context)
    typ, _ = imap.login(user, password)
    check(typ == "OK", "LOGIN")
    return imap


imap = connect()
check("UTF8=ACCEPT" in imap.capabilities, "UTF8=ACCEPT advertised")
typ, data = imap.enable("UTF8=ACCEPT")
check(typ == "OK" and imap.utf8_enabled, f"ENABLE UTF8=ACCEPT: {typ} {data}")
check(imap.create('"Straße Py"')[0] == "OK", "CREATE quoted UTF-8 name")
check(imap.create("Café")[0] == "OK", "CREATE bare UTF-8 name")
typ, listed = imap.list('""', "*")
names = [line.decode("utf-8") for line in listed]
check(any(n.endswith('"/" "Straße Py"') for n in names), f"LIST shows the UTF-8 name: {names}")
check(any(n.endswith('"/" "Café"') for n in names), f"LIST shows Café: {names}")
typ, data = imap.select('"Straße Py"')
check(typ == "OK" and data[0] == b"0", f"SELECT UTF-8 name: {typ} {data}")
typ, data = imap.status("Café", "(MESSAGES)")
check(typ == "OK" and data[0].decode("utf-8").startswith('"Café" (MESSAGES 0)'), f"STATUS: {data}")
# RFC 6855 §3: SEARCH with a CHARSET is BAD once enabled (imaplib's search() refuses it itself, so sent as is)
try:
    imap._simple_command("SEARCH", "CHARSET", "UTF-8", "ALL")
    check(False, "SEARCH CHARSET after ENABLE must be BAD")
except imaplib.IMAP4.error as e:  # imaplib raises on a tagged BAD
    check("BAD" in str(e) and "UTF8=ACCEPT" in str(e), f"SEARCH CHARSET refused: {e}")
typ, data = imap.search(None, "ALL")
check(typ == "OK", "SEARCH without CHARSET")
imap.logout()

legacy = connect()
typ, listed = legacy.list('""', "*")
names = [line.decode("ascii") for line in listed]
check(any(n.endswith('"/" "Stra&AN8-e Py"') for n in names), f"modified UTF-7 LIST: {names}")
check(any(n.endswith('"/" Caf&AOk-') for n in names), f"modified UTF-7 LIST of Café: {names}")
typ, data = legacy.select('"Stra&AN8-e Py"')
check(typ == "OK", "SELECT by the modified UTF-7 name")
legacy.logout()
print(f"imap-utf8: utf8 checks passed ({check.count})")
