#!/usr/bin/env python3
# tests/lib/gen-hostile-lines.py N SEED: N hostile input lines (bytes) on
# stdout, one per LF: each tries to smuggle an SMTP command through CR,
# bare CR, NUL, U+2028/U+0085, quotes, angle brackets, spaces,
# backslashes or sheer length.  Deterministic for a seed.
import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed)
cmds = [b"RCPT TO:<evil@catch.test>", b"DATA", b"QUIT", b"RSET", b"MAIL FROM:<x@y>", b"VRFY root"]
seps = [b"\r", b"\r\n", b"\x00", b"\xe2\x80\xa8", b"\xc2\x85", b"\x0b", b"\x0c", b"\\r\\n", b"%0d%0a"]
parts = [b'"', b"<", b">", b" ", b"\\", b"\t", b"'", b"@", b"..", b"(c)", b"\xff", b"\xc3\xa9"]
out = sys.stdout.buffer
for i in range(n):
    local = b"u%d" % i
    k = r.randrange(6)
    if k == 0:
        line = local + r.choice(seps) + r.choice(cmds) + b"@catch.test"
    elif k == 1:
        line = local + b"@catch.test" + r.choice(seps) + r.choice(cmds)
    elif k == 2:
        line = b'"' + local + r.choice(seps) + r.choice(cmds) + b'"@catch.test'
    elif k == 3:
        line = b"".join(r.choice(parts + seps) for _ in range(r.randrange(1, 8))) + local + b"@catch.test" + r.choice(parts)
    elif k == 4:
        line = local + b"x" * r.choice([60, 64, 65, 300, 2000]) + b"@catch.test" + r.choice(seps) + r.choice(cmds)
    else:
        line = b'"' + local + b"\\" + r.choice(parts + seps) + b'"@catch.test'
    out.write(line.replace(b"\n", b"\r") + b"\n")
