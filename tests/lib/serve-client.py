#!/usr/bin/env python3
# tests/lib/serve-client.py - hostile and odd clients for "mxprobe serve"
# tests (tests/integration/serve-hostile.sh).  Only Unix sockets.
#
#   serve-client.py send PATH        send standard input, close at once
#   serve-client.py quit PATH        send "quit", print "closed" when the
#                                    server closes (within 10 s), else "open"
#   serve-client.py noread PATH N    send N "stats" lines without ever
#                                    reading; print "ready" once the server
#                                    stopped taking them, then hold the
#                                    connection until stdin closes
#   serve-client.py hold PATH N      open N connections, print "ready",
#                                    hold them until stdin closes
import select
import socket
import sys


def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def cmd_send(path):
    data = sys.stdin.buffer.read()
    s = conn(path)
    try:
        s.sendall(data)
    except OSError:
        pass
    s.close()


def cmd_quit(path):
    s = conn(path)
    s.sendall(b"quit\n")
    s.settimeout(10)
    try:
        while True:
            b = s.recv(4096)
            if not b:
                print("closed")
                return
    except socket.timeout:
        print("open")
    except OSError:
        print("closed")


def cmd_noread(path, n):
    s = conn(path)
    s.setblocking(False)
    data = b"stats\n" * n
    off = 0
    stuck = 0
    # until the server stops taking bytes for 20 polls of 100 ms in a
    # row (its answers are not read, so it stops reading)
    while off < len(data) and stuck < 20:
        _, w, _ = select.select([], [s], [], 0.1)
        if not w:
            stuck += 1
            continue
        try:
            off += s.send(data[off:off + 65536])
            stuck = 0
        except BlockingIOError:
            stuck += 1
        except OSError:
            break
    print("ready", flush=True)
    sys.stdin.read()
    s.close()


def cmd_hold(path, n):
    socks = []
    for _ in range(n):
        try:
            socks.append(conn(path))
        except OSError:
            break
    print("ready", len(socks), flush=True)
    sys.stdin.read()
    for s in socks:
        s.close()


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: serve-client.py send|quit|noread|hold PATH [N]")
    c, path = sys.argv[1], sys.argv[2]
    if c == "send":
        cmd_send(path)
    elif c == "quit":
        cmd_quit(path)
    elif c == "noread":
        cmd_noread(path, int(sys.argv[3]))
    elif c == "hold":
        cmd_hold(path, int(sys.argv[3]))
    else:
        sys.exit("unknown command " + c)


main()
