#!/bin/sh
# tests/integration/selfcheck.sh - "mxprobe selfcheck" against fakedns
# and fakesmtp on loopback: all fine, no PTR, a PTR that does not
# resolve back, a DNSBL listing (with a documented meaning), port 25
# refused and silent, through a proxy, no DOMAIN; one line per finding,
# exit status by the worst (0 ok, 1 fail, 2 warn).
set -eu
. "$TOP/tests/lib/lib.sh"
# the build is told by --version: a bare "mxprobe selfcheck" would be a
# real one, asking the system's resolver (tests talk to loopback only)
if ! $MXPROBE --version | grep -q "SELFCHECK=1"; then
	echo "SKIP selfcheck: this build has no selfcheck (SELFCHECK=0)"
	exit 0
fi
start_dns "$TOP/tests/scenarios/selfcheck.zone"
start_smtp "$TOP/tests/scenarios/selfcheck.smtp"

sc() {
	mxp selfcheck --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" \
	    --allow-private --dns-timeout 1 --dns-tries 3 "$@"
}
# (three DNS tries, as socks.sh: one try of 1 s is a bet on the load)
probe() {
	mxp --dns "127.0.0.1:$DNSPORT" --port "${SMTPPORT:-25}" --allow-private \
	    --dns-timeout 1 --dns-tries 3 "$@"
}
# line CHECK STATUS PATTERN: a finding matches (grep -E on the detail)
line() {
	check "$1 $2: $3" awk -F'\t' -v c="$1" -v s="$2" -v p="$3" \
	    'BEGIN { r = 1 } $1 == c && $2 == s && $3 ~ p { r = 0 } END { exit r }' "$T/out"
}

# --- everything fine (EHLO name that resolves to the echoed address)
sc --helo out.fine.test --dnsbl bl.test fine.test
line dns ok "a name that cannot exist is NXDOMAIN"
line dns ok "fine.test: MX 10 mx.fine.test 127.0.70.1"
line port25 ok "mx.fine.test 127.0.70.1: banner 220 in [0-9]+ ms"
line address ok "127.0.71.1 \\(as mx.fine.test saw it"
line ptr ok "127.0.71.1 is out.fine.test"
line fcrdns ok "out.fine.test resolves back to 127.0.71.1"
line helo ok "EHLO out.fine.test resolves to 127.0.71.1"
line dnsbl ok "not listed on bl.test"
line verdict ok "^ready$"
check_eq "all fine: exit 0" "$rc" 0
check_eq "one finding per line, three fields" \
    "$(awk -F'\t' 'NF != 3' "$T/out" | wc -l | tr -d ' ')" 0

# --- no --helo and a host name that is not fully qualified: a warning
# that names the PTR (only when this machine's name is not an FQDN)
if ! hostname | grep -q '\.'; then
	sc --dnsbl bl.test fine.test
	line helo warn "set --helo NAME \\(out.fine.test would do\\)"
	line verdict warn "ready, with warnings"
	check_eq "a warning: exit 2" "$rc" 2
fi

# --- no PTR
sc --helo out.fine.test --dnsbl bl.test noptr.test
line ptr fail "127.0.71.2 has no PTR record"
line verdict fail "fix first: "
check_eq "no PTR: exit 1" "$rc" 1

# --- a PTR that does not resolve back
sc --helo out.fine.test --dnsbl bl.test nofcr.test
line ptr ok "127.0.71.3 is out.nofcr.test"
line fcrdns fail "out.nofcr.test does not resolve back to 127.0.71.3"
line helo fail "EHLO out.fine.test does not resolve to 127.0.71.3"
check_eq "no FCrDNS: exit 1" "$rc" 1

# --- listed on a DNSBL, and a documented meaning
sc --helo out.listed.test --dnsbl bl.test --dnsbl zen.spamhaus.org listed.test
line dnsbl fail "127.0.71.4 is listed on bl.test \\(127.0.0.2\\)"
line dnsbl fail "listed on zen.spamhaus.org \\(127.0.0.10: policy list \\(PBL\\): dynamic"
line verdict fail "fix first: dnsbl: 127.0.71.4 is listed on"
check_eq "listed: exit 1" "$rc" 1

# --- port 25: refused, silent
sc --helo out.fine.test --dnsbl bl.test --banner-timeout 1 refused.test silent.test
line port25 fail "mx.refused.test 127.0.70.99: refused"
line port25 fail "mx.silent.test 127.0.70.5: connected but silent"
line address warn "not learned"
line verdict fail "fix first: outbound port 25 does not work from here"
check_eq "port 25: exit 1" "$rc" 1

# --- port 25 dropped: no answer at all to the connection.  Without a
# firewall tool here, a listener whose accept queue is full stands in:
# Linux drops further SYNs, so connect() times out as behind a filter.
python3 - "$SMTPPORT" "$T/drop.ready" <<'PY' 2>"$T/drop.err" &
import socket, sys, time
l = socket.socket()
l.bind(("127.0.70.6", int(sys.argv[1])))
l.listen(0)
fill = []
for i in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.70.6", int(sys.argv[1])))
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(0.2)
open(sys.argv[2] + ".tmp", "w").write("1\n")
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
time.sleep(600)
PY
bg_pid $!
wait_file "$T/drop.ready" || { echo "FAIL drop listener did not start"; cat "$T/drop.err"; exit 1; }
sc --helo out.fine.test --dnsbl bl.test --connect-timeout 1 dropped.test
line port25 fail "mx.dropped.test 127.0.70.6: blocked, no answer to the connection"
line verdict fail "fix first: outbound port 25 does not work from here"
check_eq "port 25 dropped: exit 1" "$rc" 1

# --- through a proxy: the same checks, "ready via proxy"
"$FAKES/fakesocks" -r "$T/socks.ready" -l "$T/socks.log" 2>"$T/socks.err" &
bg_pid $!
wait_file "$T/socks.ready" || { echo "FAIL fakesocks did not start"; exit 1; }
sc --helo out.fine.test --dnsbl bl.test --proxy "socks5://127.0.0.1:$(cat "$T/socks.ready")" fine.test
line port25 ok "banner 220 in [0-9]+ ms \\(through the proxy\\)"
line verdict ok "^ready via proxy$"
check "the greeting went through the proxy" grep -q '^connect 127.0.70.1 ' "$T/socks.log"
# a dead proxy: port 25 fails through it, and the verdict says so
sc --helo out.fine.test --dnsbl bl.test --proxy socks5://127.0.61.1:1080 fine.test
line port25 fail "proxy_failed"
check_eq "dead proxy: exit 1" "$rc" 1

# --- no DOMAIN: DNS only, and it says what is missing
sc --dnsbl bl.test
line dns ok "NXDOMAIN"
line port25 warn "not tested: give the DOMAINs"
line verdict warn "not known: give a DOMAIN"
check_eq "no domain: exit 2" "$rc" 2

# --- the EHLO default of a probe without a fully qualified host name:
# the PTR name of the source address when it resolves back, else the
# address literal; never an invented name
if ! hostname | grep -q '\.'; then
	: >"$TR"
	probe --source 127.0.0.1 --no-catch-all a@fine.test
	check "EHLO the forward-confirmed PTR name" grep -q '127.0.70.1 c[0-9]* > EHLO me.fine.test$' "$TR"
	: >"$TR"
	probe --source 127.0.0.2 --no-catch-all a@fine.test
	check "EHLO the address literal when the PTR does not confirm" \
	    grep -q '127.0.70.1 c[0-9]* > EHLO \[127.0.0.2\]$' "$TR"
	check "and says so once on stderr" grep -q 'not fully qualified.*set --helo' "$T/err"
fi

# --- JSON, and bad input
sc --json --helo out.fine.test --dnsbl bl.test fine.test
check "JSON: one object per finding" sh -c "grep -c '^{\"check\":\"[a-z0-9]*\",\"status\":\"\\(ok\\|warn\\|fail\\)\",\"detail\":\".*\"}\$' '$T/out' | grep -qx \"\$(wc -l <'$T/out' | tr -d ' ')\""
sc 'not a domain!'
check_eq "bad domain: usage error" "$rc" 64
mxp --dnsbl bl.test a@b.test
check_eq "--dnsbl outside selfcheck: usage error" "$rc" 64
done_testing
