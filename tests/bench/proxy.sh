#!/bin/sh
# tests/bench/proxy.sh DIR [N] - what a SOCKS 5 proxy adds per SMTP
# session, on loopback: N domains, one address each, one session at a
# time (--concurrency 1), direct, through fakesocks, and through
# fakesocks with user/password.  Prints one line per run:
#   mode sessions wall ms/session, mxprobe cpu us/session, proxy connects
# and checks that every address got "deliverable accepted" (a wrong
# count fails the run: no figure for the wrong thing).  Alone:
#
#   BIN=build/x86_64/mxprobe FAKES=build/fakes sh tests/bench/proxy.sh /tmp/px 200
#
# On loopback the round trips cost next to nothing, so the difference is
# mxprobe's and the proxy's own work (fakesocks forks per connection);
# over a network the proxy adds, per session, the connection to it and
# two round trips to it (greeting, CONNECT; three with a password), and
# every SMTP exchange then crosses both legs (docs/benchmarks.md).
set -eu
W=$1
N=${2:-200}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$TOP/build/x86_64/mxprobe}
FAKES=${FAKES:-$TOP/build/fakes}
mkdir -p "$W"
rm -f "$W"/*.ready "$W"/socks*.log
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT INT TERM
{
	printf '$TTL 300\ntest. SOA ns.test. h.test. 1 3600 600 86400 60\n'
	printf 'mx.px.test. A 127.0.80.1\n'
	i=0
	while [ $i -lt "$N" ]; do
		printf 'd%d.px.test. MX 10 mx.px.test.\n' $i
		i=$((i + 1))
	done
} >"$W/px.zone"
printf 'host 127.0.80.1 mx.px.test\ncatch-all\n' >"$W/px.smtp"
"$FAKES/fakedns" -z "$W/px.zone" -r "$W/dns.ready" 2>"$W/dns.err" &
pids="$pids $!"
"$FAKES/fakesmtp" -s "$W/px.smtp" -r "$W/smtp.ready" -t /dev/null -n 2>"$W/smtp.err" &
pids="$pids $!"
"$FAKES/fakesocks" -r "$W/s1.ready" -l "$W/socks1.log" 2>/dev/null &
pids="$pids $!"
"$FAKES/fakesocks" -r "$W/s2.ready" -l "$W/socks2.log" -a u:p 2>/dev/null &
pids="$pids $!"
for f in dns smtp s1 s2; do
	i=0
	while [ ! -s "$W/$f.ready" ]; do
		i=$((i + 1))
		[ $i -gt 400 ] && { echo "proxy.sh: $f did not start" >&2; exit 1; }
		sleep 0.05
	done
done
i=0
: >"$W/list"
while [ $i -lt "$N" ]; do
	echo "a@d$i.px.test" >>"$W/list"
	i=$((i + 1))
done
run() {	# run MODE [args]: wall and mxprobe's own CPU (wait4 rusage)
	_m=$1
	shift
	python3 - "$BIN" --dns "127.0.0.1:$(cat "$W/dns.ready")" \
	    --port "$(cat "$W/smtp.ready")" --allow-private --no-catch-all \
	    --concurrency 1 --helo bench.test --tls no "$@" -f "$W/list" \
	    >"$W/$_m.t" <<'PY'
import os, sys, time
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(os.environ["OUT"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, st, ru = os.wait4(pid, 0)
print("%d %d" % ((time.monotonic() - t0) * 1e6, (ru.ru_utime + ru.ru_stime) * 1e6))
PY
	_ok=$(grep -c 'deliverable	accepted' "$W/$_m.out" || true)
	[ "$_ok" -eq "$N" ] || { echo "proxy.sh: $_m: $_ok of $N accepted" >&2; exit 1; }
	_c=$(cat "$W"/socks*.log 2>/dev/null | grep -c '^connect ' || true)
	awk -v m="$_m" -v n="$N" -v c="$_c" '{ printf "%s %d wall %.2f ms/session, mxprobe cpu %.0f us/session, proxy connects %d\n", m, n, $1 / n / 1000, $2 / n, c }' "$W/$_m.t"
	for _l in "$W"/socks*.log; do
		: >"$_l"
	done
}
export OUT
OUT=$W/direct.out run direct
OUT=$W/socks.out run socks --proxy "socks5://127.0.0.1:$(cat "$W/s1.ready")"
OUT=$W/socks-auth.out run socks-auth --proxy "socks5://u:p@127.0.0.1:$(cat "$W/s2.ready")"
