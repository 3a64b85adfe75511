#!/usr/bin/env python3
# tests/lib/serve-soak.py - adversarial soak of "mxprobe serve" (issue 19).
#
#   serve-soak.py --policy SOCK --lines SOCK --pid PID --ops N --seed S
#                 --max-clients M [--workers W] [--hup-every K]
#
# Runs N operations, W at a time, chosen by a seeded generator (the seed is
# printed; the same seed replays the same mix), against serve pointed at
# tests/scenarios/smtp-cases.{zone,smtp}:
#   policy / lines    well-behaved clients (Postfix-style on policy): 1-3
#                     questions per connection, each answer must belong to
#                     its own question (lines: the address echoed, and the
#                     verdict known for it; policy: the action known for it)
#   forget            fire-and-forget: a batch of lines, close unread
#   oversized         a request past --max-request, on either protocol
#   cut_request       half a request, then close
#   cut_answer        a whole request, close before the answer
#   noread            "stats" pipelined and never read, held for a while
#   burst             max-clients + 8 connections at once, one question each
#                     (an answer or "too many clients", never a wrong one)
#   hup               SIGHUP to the daemon (every K operations)
# Then it asks every address once more, one by one: each answer comes from
# the cache or a new probe and must be right (no poisoned entry).  Prints
# "soak: ..." counters; exit 0 only with zero wrong and zero lost answers.
import argparse
import os
import random
import signal
import socket
import sys
import threading
import time

P_OK = "action=DUNNO"
P_REJ = "action=550 5.1.1 undeliverable (mailbox_missing)"
P_NXD = "action=550 5.1.1 undeliverable (no_domain)"
P_TMP = ("action=DEFER_IF_PERMIT 4.1.1 Recipient address verification "
         "failed: unknown (temp_failure)")
BUSY_P = "action=DEFER_IF_PERMIT 4.3.2 mxprobe: too many clients"
BUSY_L = "ERROR too many clients"

lock = threading.Lock()
cnt = {}
asked = set()


def bump(k, n=1):
    with lock:
        cnt[k] = cnt.get(k, 0) + n


def expected(addr):
    """(lines verdict, policy action) the fakes give for addr"""
    user, dom = addr.split("@")
    if dom == "catchall.test":
        return "risky", P_OK
    if dom == "nx.test" or dom.endswith(".nx.test"):
        return "undeliverable", P_NXD
    if user in ("alice", "bob", "Carol"):
        return "deliverable", P_OK
    if user == "away":
        return "unknown", P_TMP
    return "undeliverable", P_REJ


def pick(rng):
    k = rng.randrange(6)
    n = rng.randrange(200)
    a = ["u%d@catchall.test" % n, "nobody%d@ok.test" % n, "alice@ok.test",
         "u%d@d%d.nx.test" % (n, n % 7), "away@ok.test", "bob@ok.test"][k]
    with lock:
        asked.add(a)
    return a


def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # blocking connect: waits for room in the listen backlog, as a
    # client library would, instead of EAGAIN
    s.connect(path)
    s.settimeout(60)
    return s


def preq(addr):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
            "sender=a@b.test\nrecipient=%s\nclient_address=127.0.0.1\n\n"
            % addr).encode()


def send_req(s, data):
    """a refused client may find the socket closed before it asks: the
    answer already waiting ("too many clients") tells what happened"""
    try:
        s.sendall(data)
    except OSError:
        pass


def read_until(s, buf, sep):
    while sep not in buf:
        b = s.recv(65536)
        if not b:
            return buf, None
        buf += b
    i = buf.index(sep)
    return buf[i + len(sep):], buf[:i].decode("utf-8", "replace")


def check_lines(addr, line):
    f = line.split("\t")
    if line == BUSY_L:
        bump("refused")
        return
    if len(f) < 3 or f[0] != addr or f[1] != expected(addr)[0]:
        bump("wrong")
        print("WRONG lines %s -> %r" % (addr, line), flush=True)
        return
    bump("right")


def check_policy(addr, ans):
    if ans == BUSY_P:
        bump("refused")
        return
    if ans != expected(addr)[1]:
        bump("wrong")
        print("WRONG policy %s -> %r" % (addr, ans), flush=True)
        return
    bump("right")


def op_ask(a, rng, pol):
    """a well-behaved client: 1-3 questions, each answer checked"""
    s = conn(a.policy if pol else a.lines)
    sep = b"\n\n" if pol else b"\n"
    buf = b""
    try:
        for _ in range(rng.randrange(1, 4)):
            addr = pick(rng)
            send_req(s, preq(addr) if pol else (addr + "\n").encode())
            buf, ans = read_until(s, buf, sep)
            if ans is None:
                bump("lost")
                print("LOST %s %s" % ("policy" if pol else "lines", addr),
                      flush=True)
                return
            (check_policy if pol else check_lines)(addr, ans)
            if ans in (BUSY_P, BUSY_L):
                return
    finally:
        s.close()


def op_lines(a, rng):
    op_ask(a, rng, False)


def op_policy(a, rng):
    op_ask(a, rng, True)


def quiet_close(s):
    try:
        s.close()
    except OSError:
        pass


def op_forget(a, rng):
    s = conn(a.lines)
    data = "".join(pick(rng) + "\n" for _ in range(rng.randrange(5, 60)))
    try:
        s.sendall(data.encode())
    except OSError:
        pass
    quiet_close(s)


def op_oversized(a, rng):
    s = conn(a.policy if rng.randrange(2) else a.lines)
    try:
        s.sendall(preq(pick(rng)) + b"x" * rng.randrange(9000, 40000))
        s.recv(4096)
    except OSError:
        pass
    quiet_close(s)


def op_cut_request(a, rng):
    s = conn(a.policy)
    try:
        s.sendall(preq(pick(rng))[:rng.randrange(5, 40)])
    except OSError:
        pass
    quiet_close(s)


def op_cut_answer(a, rng):
    pol = rng.randrange(2) == 1
    s = conn(a.policy if pol else a.lines)
    try:
        addr = pick(rng)
        s.sendall(preq(addr) if pol else (addr + "\n").encode())
    except OSError:
        pass
    quiet_close(s)


held = []


def op_noread(a, rng):
    s = conn(a.lines)
    s.setblocking(False)
    data = b"stats\n" * 20000
    off = 0
    for _ in range(50):
        try:
            off += s.send(data[off:])
        except (BlockingIOError, OSError):
            break
        if off >= len(data):
            break
    with lock:
        held.append(s)
        if len(held) > 3:
            quiet_close(held.pop(0))


def op_burst(a, rng):
    socks = []
    for i in range(a.max_clients + 8):
        try:
            socks.append((conn(a.lines), pick(rng)))
        except OSError:
            bump("connect_failed")
    for s, addr in socks:
        try:
            s.sendall((addr + "\n").encode())
        except OSError:
            pass
    for s, addr in socks:
        try:
            _, line = read_until(s, b"", b"\n")
            if line is None:
                bump("lost")
                print("LOST burst %s" % addr, flush=True)
            else:
                check_lines(addr, line)
        except OSError as e:
            bump("lost")
            print("LOST burst %s: %s" % (addr, e), flush=True)
        quiet_close(s)


OPS = [("policy", op_policy, 30), ("lines", op_lines, 30),
       ("forget", op_forget, 8), ("oversized", op_oversized, 6),
       ("cut_request", op_cut_request, 6), ("cut_answer", op_cut_answer, 8),
       ("noread", op_noread, 4), ("burst", op_burst, 2)]


def run_op(a, name, fn, seed):
    rng = random.Random(seed)
    try:
        fn(a, rng)
    except Exception as e:  # a failure of a well-behaved op is counted
        if name in ("policy", "lines", "burst"):
            bump("lost")
            print("LOST %s: %s" % (name, e), flush=True)
    bump("op_" + name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--policy", required=True)
    ap.add_argument("--lines", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--ops", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=12)
    ap.add_argument("--hup-every", type=int, default=150)
    a = ap.parse_args()
    seed = a.seed or int.from_bytes(os.urandom(4), "big")
    print("soak: seed %d (replay with --seed %d)" % (seed, seed), flush=True)
    rng = random.Random(seed)
    total = sum(w for _, _, w in OPS)
    sem = threading.Semaphore(a.workers)
    threads = []

    def worker(name, fn, s):
        try:
            run_op(a, name, fn, s)
        finally:
            sem.release()

    for i in range(a.ops):
        if a.hup_every and i > 0 and i % a.hup_every == 0:
            try:
                os.kill(a.pid, signal.SIGHUP)
            except ProcessLookupError:
                print("DEAD: the daemon is gone", flush=True)
                bump("lost")
                break
            bump("hup")
        r = rng.randrange(total)
        for name, fn, w in OPS:
            if r < w:
                break
            r -= w
        sem.acquire()
        t = threading.Thread(target=worker, args=(name, fn, rng.getrandbits(32)))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    with lock:
        for s in held:
            quiet_close(s)
        held.clear()
    # every address once more, one at a time: cache or probe, always right
    for addr in sorted(asked):
        s = conn(a.lines)
        try:
            s.sendall((addr + "\n").encode())
            _, line = read_until(s, b"", b"\n")
        finally:
            s.close()
        if line is None or line == BUSY_L:
            bump("lost")
            print("LOST recheck %s" % addr, flush=True)
            continue
        f = line.split("\t")
        if f[0] != addr or f[1] != expected(addr)[0]:
            bump("poisoned")
            print("POISONED %s -> %r" % (addr, line), flush=True)
        else:
            bump("recheck_ok")
    print("soak: " + " ".join("%s=%d" % kv for kv in sorted(cnt.items())),
          flush=True)
    bad = cnt.get("wrong", 0) + cnt.get("lost", 0) + cnt.get("poisoned", 0)
    sys.exit(1 if bad else 0)


main()
