#!/usr/bin/env python3
"""bench/Imap driver: the same raw-socket IMAP client (../shared/peers/imap_load.py's Conn and APPEND worker) against
one server, phase by phase, with the server's CPU (process tree, /proc) around each phase and its PSS for the idle
connections. Prints one JSON object per phase on stdout; run.sh alternates servers and builds the table.

usage: imap_bench.py --peers DIR --port P --pid SERVER_PID --user-format FMT [--messages N] [--runs R]
                     [--append1 N] [--append10 N] [--idle C] fill|measure
  FMT: a Python format for user number i, e.g. 'u{:04d}' (Dovecot) or 'u{:04d}@bench.test' (Kernel).
  fill:    N messages of 5 KB into user 1's INBOX by APPEND over 10 connections (the same bytes on both servers).
  measure: idle memory, selfetch, bodies, search (header, body text), append over 1 and 10 connections.
Loopback only; every socket has a timeout, every wait is bounded.
"""
import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time


def load_peers(path):
    sys.path.insert(0, path)
    import benchutil  # noqa: E402
    import imap_load  # noqa: E402
    return benchutil, imap_load


class Server:
    def __init__(self, a, benchutil, imap_load):
        self.a, self.bu, self.il = a, benchutil, imap_load

    def user(self, i):
        return self.a.user_format.format(i)

    def cpu_s(self):
        stats = self.bu.all_stats()
        members = self.bu.tree([self.a.pid], stats)
        return sum(stats[p]["cpu"] + stats[p]["ccpu"] for p in members) / self.bu.CLK

    def pss_kib(self):
        stats = self.bu.all_stats()
        return sum(self.bu.mem_kib(p)[1] for p in self.bu.tree([self.a.pid], stats))

    def conn(self, i=1):
        c = self.il.Conn("127.0.0.1", self.a.port, self.a.timeout)
        c.login(self.user(i), self.a.password)
        return c


def emit(phase, **kw):
    print(json.dumps({"phase": phase, **kw}), flush=True)


def append_parallel(s, users, count):
    """count APPENDs spread over one connection per user (imap_load's worker, one process each): msg/s and server CPU."""
    per = max(1, count // len(users))
    jobs = [("127.0.0.1", s.a.port, s.a.timeout, s.user(u), s.a.password, per, 5120, False, k + 1)
            for k, u in enumerate(users)]
    cpu0 = s.cpu_s()
    with mp.Pool(len(users)) as pool:
        res = pool.map(s.il.append_worker, jobs)
    cpu = s.cpu_s() - cpu0
    total = sum(d for d, _ in res)
    slowest = max(dt for _, dt in res)
    return total, total / slowest, 1e6 * cpu / max(1, total)


def timed(s, commands, runs):
    """Median wall ms and server CPU ms of SELECT INBOX + the commands, after one warm-up run."""
    times, cpus, lines = [], [], 0
    for r in range(runs + 1):
        c = s.conn()
        cpu0 = s.cpu_s()
        t0 = time.perf_counter()
        c.cmd(b"SELECT INBOX")
        for cmd in commands:
            _, n, _ = c.cmd(cmd)
            lines = n
        dt = time.perf_counter() - t0
        cpu = s.cpu_s() - cpu0
        c.close()
        if r > 0:
            times.append(dt * 1000)
            cpus.append(cpu * 1000)
    return statistics.median(times), statistics.median(cpus), lines


def search_count(s, criteria):
    c = s.conn()
    c.cmd(b"SELECT INBOX")
    c.n += 1
    tag = b"a%d" % c.n
    c.send(tag + b" SEARCH " + criteria + b"\r\n")
    hits = 0
    while True:
        line = c.f.readline()
        if not line:
            raise RuntimeError("connection closed")
        if line.startswith(b"* SEARCH"):
            hits = len(line.split()) - 2
        if line.startswith(tag + b" "):
            if not line[len(tag) + 1:].startswith(b"OK"):
                raise RuntimeError(f"SEARCH failed: {line!r}")
            break
    c.close()
    return hits


def idle_memory(s, conns):
    """
    PSS growth of the server per logged-in, selected, idle connection (all on user 1's INBOX), as the slope between
    half the connections and all of them, each sampled after the server has settled (4 s idle: the kernel's idle
    compaction runs after 2 s without allocations, Dovecot's processes are done forking). A slope rather than "now
    minus a base taken before the first connection": the base of a fresh process still holds start-up garbage that a
    later compaction frees, which made the old figure negative once the kernel compacted. Runs first on a freshly
    started server, after a warm-up of a few connections (code paths loaded and compiled).
    """
    for _ in range(5):
        c = s.conn()
        c.cmd(b"SELECT INBOX")
        c.close()
    half = conns // 2
    opened = []

    def settled_pss():
        time.sleep(4)
        samples = []
        for _ in range(3):
            time.sleep(0.5)
            samples.append(s.pss_kib())
        return sorted(samples)[1]

    try:
        for i in range(conns):
            if i == half:
                first = settled_pss()
            c = s.conn()
            c.cmd(b"SELECT INBOX")
            opened.append(c)
        second = settled_pss()
    finally:
        for c in opened:
            c.close()
    return first, second, (second - first) / max(1, conns - half)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--user-format", required=True)
    ap.add_argument("--password", default="pass")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--append1", type=int, default=1000)
    ap.add_argument("--append10", type=int, default=2000)
    ap.add_argument("--idle", type=int, default=200)
    ap.add_argument("what", choices=["fill", "measure"])
    a = ap.parse_args()
    bu, il = load_peers(a.peers)
    s = Server(a, bu, il)
    if a.what == "fill":
        total, rate, cpu = append_parallel(s, [1] * 10, a.messages)
        emit("fill", messages=total, rate=round(rate, 1))
        return 0

    base, peak, per = idle_memory(s, a.idle)
    emit("idle", conns=a.idle, half_pss_kib=base, pss_kib=peak, per_conn_kib=round(per, 1))
    ms, cpu, n = timed(s, [b"FETCH 1:* (FLAGS UID RFC822.SIZE)"], a.runs)
    emit("selfetch", ms=round(ms, 1), cpu_ms=round(cpu, 1), responses=n)
    ms, cpu, n = timed(s, [b"FETCH 1:* BODY.PEEK[]"], a.runs)
    emit("bodies", ms=round(ms, 1), cpu_ms=round(cpu, 1), responses=n)
    # a header search that matches a few messages (fill worker 3's message 42, appended once per 200), a body search
    # that matches none (every body is read)
    hdr = b'HEADER Subject "benchmark message 300042"'
    body = b'BODY "xyzzy-not-in-any-body"'
    ms, cpu, _ = timed(s, [b"SEARCH " + hdr], a.runs)
    emit("search_header", ms=round(ms, 1), cpu_ms=round(cpu, 1), hits=search_count(s, hdr))
    ms, cpu, _ = timed(s, [b"SEARCH " + body], a.runs)
    emit("search_body", ms=round(ms, 1), cpu_ms=round(cpu, 1), hits=search_count(s, body))
    total, rate, cpu = append_parallel(s, [2], a.append1)
    emit("append1", rate=round(rate, 1), cpu_us=round(cpu), messages=total)
    total, rate, cpu = append_parallel(s, list(range(3, 13)), a.append10)
    emit("append10", rate=round(rate, 1), cpu_us=round(cpu), messages=total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
