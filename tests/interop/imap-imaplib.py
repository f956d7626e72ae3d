#!/usr/bin/env python3
"""python3 imaplib against the Kernel Imap plugin: STARTTLS, LOGIN, CREATE, APPEND, SELECT, FETCH, SEARCH, STORE,
EXPUNGE, IDLE-free NOOP, LOGOUT. Usage: imap-imaplib.py PORT USER PASSWORD. Exits non-zero on any mismatch and prints
one summary line."""
import imaplib
import ssl

from imapcheck import Checks

check = Checks("imaplib")
port, user, password = check.port, check.user, check.password


imap = imaplib.IMAP4("127.0.0.1", port, timeout=20)
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
typ, _ = imap.starttls(ssl_context=context)
check(typ == "OK", "STARTTLS")
typ, _ = imap.login(user, password)
check(typ == "OK", "LOGIN")
check("IDLE" in imap.capabilities and "UIDPLUS" in imap.capabilities, "capabilities after login")
typ, _ = imap.create("Py/Box")
check(typ == "OK", "CREATE")
message = b"From: py@example.org\r\nSubject: from python\r\n\r\nHello from imaplib.\r\n"
typ, data = imap.append("Py/Box", "(\\Flagged)", imaplib.Time2Internaldate(1700000000), message)
check(typ == "OK" and b"APPENDUID" in data[0], f"APPEND {data}")
typ, data = imap.list('""', "Py/*")
check(typ == "OK" and any(b'"Py/Box"' in d or b" Py/Box" in d for d in data), f"LIST {data}")
typ, data = imap.select("Py/Box")
check(typ == "OK" and data[0] == b"1", f"SELECT {data}")
typ, data = imap.fetch("1", "(FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY[TEXT])")
check(typ == "OK" and data[0][1] == b"Subject: from python\r\n\r\n", f"FETCH header {data}")
check(data[1][1] == b"Hello from imaplib.\r\n", f"FETCH text {data}")
typ, data = imap.fetch("1", "(FLAGS)")
check(b"\\Seen" in data[0] and b"\\Flagged" in data[0], f"implicit \\Seen {data}")
typ, data = imap.search(None, "SUBJECT", '"from python"')
check(data == [b"1"], f"SEARCH {data}")
typ, data = imap.uid("SEARCH", None, "ALL")
check(data == [b"1"], f"UID SEARCH {data}")
typ, data = imap.store("1", "+FLAGS", "(\\Deleted)")
check(typ == "OK", "STORE")
typ, data = imap.expunge()
check(typ == "OK" and data == [b"1"], f"EXPUNGE {data}")
typ, data = imap.status("Py/Box", "(MESSAGES UIDNEXT)")
check(data == [b"Py/Box (MESSAGES 0 UIDNEXT 2)"] or data == [b'"Py/Box" (MESSAGES 0 UIDNEXT 2)'], f"STATUS {data}")
typ, data = imap.getacl("Py/Box")
check(typ == "OK", f"GETACL {data}")
typ, data = imap.myrights("Py/Box")
check(typ == "OK" and b"lrswipkxtecda" in data[0], f"MYRIGHTS {data}")
imap.close()
imap.delete("Py/Box")
imap.logout()
print(f"imaplib: {check.count} checks passed")
