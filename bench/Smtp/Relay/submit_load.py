#!/usr/bin/env python3
"""Feeds N messages of SIZE bytes into a running kernel through the SubmitProbe test plugin (durable SubmitAsync per
message, OK only once fsynced), over SESSIONS parallel connections; session k sends to u<i>@d<k>.bench so the
messages spread over SESSIONS target queues. Prints the submit time. (The SMTP receiving half is built separately;
this is the kernel's own submission path, so the figure is submission + relay, as Postfix's is smtpd + relay.)"""
import socket, sys, threading, time

host, port, n, sessions, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
line = b"X" * 76 + b"\r\n"
body_lines = b"".join(line for _ in range(max(1, (size - 200) // len(line))))
errors = []

def session(k, count):
    try:
        s = socket.create_connection((host, port), timeout=60)
        f = s.makefile("rb")
        for i in range(count):
            msg = (f"From: <bench@bench.test>\r\nTo: <u{i}@d{k}.bench>\r\nSubject: relay {k}/{i}\r\n\r\n").encode() + body_lines
            s.sendall(f"SUBMIT bench@bench.test u{i}@d{k}.bench {len(msg)}\r\n".encode() + msg)
            answer = f.readline()
            if not answer.startswith(b"OK"):
                errors.append(answer)
                return
        s.sendall(b"QUIT\r\n")
        f.readline()
        s.close()
    except Exception as e:  # noqa: BLE001 - reported below
        errors.append(repr(e))

t0 = time.time()
threads = [threading.Thread(target=session, args=(k + 1, n // sessions + (1 if k < n % sessions else 0))) for k in range(sessions)]
for t in threads: t.start()
for t in threads: t.join()
print(f"submitted {n} in {time.time() - t0:.2f} s, errors {len(errors)} {errors[:3]}")
sys.exit(1 if errors else 0)
