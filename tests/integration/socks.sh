#!/bin/sh
# tests/integration/socks.sh - --proxy (SOCKS 5) against fakesocks,
# fakesmtp and fakedns on loopback: the success path with verdicts and
# STARTTLS through the tunnel, user/password, every reply code, hostile
# proxies (bad version, truncated replies, bad address type, slow drip,
# stall, hang-up, auth refusal), two proxies with one dead (its domains
# move), --proxy-file errors, serve and audit through the proxy.
set -eu
. "$TOP/tests/lib/lib.sh"

case ${MXP_VARIANT:-} in
*notls*)
	echo "SKIP socks: $MXP_VARIANT is built with TLS=0 (STARTTLS cases)"
	exit 0 ;;
esac
command -v openssl >/dev/null 2>&1 || { echo "SKIP socks: no openssl"; exit 0; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/ec.key" -out "$T/ec.crt" -days 30 -subj "/CN=mx.tls.test" \
    -addext "subjectAltName=DNS:mx.tls.test" >"$T/openssl.log" 2>&1
[ -s "$T/ec.crt" ] || { echo "FAIL certificate not made"; cat "$T/openssl.log"; exit 1; }
sed "s|@T@|$T|g" "$TOP/tests/scenarios/socks.smtp" >"$T/socks.smtp"
# lib.sh's probe gives DNS one try of 1 s: under a loaded machine fakedns
# can miss that (dns_timeout seen once under ASan at load 7.5 on 2 cores);
# three tries (1 + 2 + 4 s) only cost time when an answer is late
probe() {
	mxp --dns "127.0.0.1:$DNSPORT" --port "${SMTPPORT:-25}" --allow-private \
	    --dns-timeout 1 --dns-tries 3 "$@"
}
start_dns "$TOP/tests/scenarios/socks.zone"
start_smtp "$T/socks.smtp"

# socks NAME [fakesocks args]: start one proxy (port_of NAME)
socks() {
	_n=$1
	shift
	rm -f "$T/$_n.ready"
	"$FAKES/fakesocks" -r "$T/$_n.ready" -l "$T/$_n.log" "$@" 2>"$T/$_n.err" &
	bg_pid $!
	wait_file "$T/$_n.ready" || { echo "FAIL fakesocks $_n did not start"; cat "$T/$_n.err"; exit 1; }
}
port_of() {	# port_of NAME: the port of a proxy started by socks
	cat "$T/$1.ready"
}
detail() {	# detail ADDRESS: the detail column
	awk -F'\t' -v a="$1" '$1 == a { print $4 }' "$T/out"
}
# has_detail ADDRESS PATTERN (grep -E)
has_detail() {
	check "$1 detail ~ $2" sh -c "awk -F'\t' -v a='$1' '\$1 == a { print \$4 }' '$T/out' | grep -Eq -- '$2'"
}

# --- the success path: verdicts, backup MX, STARTTLS through the tunnel
socks good -R 127.0.60.11=1 -R 127.0.60.12=2 -R 127.0.60.13=3 \
    -R 127.0.60.14=4 -R 127.0.60.15=5 -R 127.0.60.16=6 -R 127.0.60.18=8 \
    -R 127.0.60.19=9
P="socks5://127.0.0.1:$(port_of good)"
: >"$TR"
probe --proxy "$P" --no-catch-all alice@ok.test nobody@ok.test \
    alice@tls.test bob@tls.test alice@backup.test x@refused.test \
    a@nonull.test
expect alice@ok.test "deliverable accepted"
expect nobody@ok.test "undeliverable mailbox_missing"
expect alice@tls.test "deliverable accepted"
expect bob@tls.test "undeliverable mailbox_missing"
expect alice@backup.test "deliverable accepted"
expect x@refused.test "unknown connect_failed"
has_detail x@refused.test "via proxy 127\.0\.0\.1:[0-9]+: connection refused by destination"
expect a@nonull.test "unknown policy_block"
has_detail a@nonull.test "--from may help"
check "STARTTLS end to end through the tunnel" \
    sh -c "awk -F'\t' '\$1 == \"alice@tls.test\"' '$T/out' | grep -q 'tls TLSv1'"
check "fakesmtp saw the handshake" grep -q '127.0.60.2 c[0-9]* = tls TLSv1' "$TR"
check "the proxy was asked for the MX address, port included" \
    grep -q "^connect 127.0.60.1 $SMTPPORT\$" "$T/good.log"
check "every SMTP connection came through the proxy" \
    test "$(grep -c '^connect ' "$T/good.log")" -ge "$(grep -c ' + ' "$TR")"
check "EHLO says the address the proxy connected from" \
    grep -q ' > EHLO \[127\.0\.0\.1\]$' "$TR"
check_eq "no protocol violation" "$(grep ' ! ' "$TR" | head -3)" ""
check_eq "exit status: unknown is the worst" "$rc" 3

# --- every reply code has a meaning (one proxy, codes by destination)
probe --proxy "$P" --no-catch-all a@c1.test a@c2.test a@c3.test a@c4.test \
    a@c5.test a@c6.test a@c8.test a@c9.test
expect a@c1.test "unknown proxy_failed"
has_detail a@c1.test "general SOCKS server failure"
expect a@c2.test "unknown proxy_failed"
has_detail a@c2.test "not allowed by ruleset"
expect a@c3.test "unknown connect_failed"
has_detail a@c3.test "network unreachable"
expect a@c4.test "unknown connect_failed"
has_detail a@c4.test "host unreachable"
expect a@c5.test "unknown connect_failed"
has_detail a@c5.test "connection refused by destination"
expect a@c6.test "unknown proxy_failed"
has_detail a@c6.test "TTL expired"
expect a@c8.test "unknown proxy_failed"
has_detail a@c8.test "address type not supported"
expect a@c9.test "unknown proxy_failed"
has_detail a@c9.test "unassigned reply code"
# 7 "command not supported" is about the proxy as a whole: backed off
socks cmd7 -R 127.0.60.17=7
probe --proxy "socks5://127.0.0.1:$(port_of cmd7)" --no-catch-all a@c7.test alice@ok.test
expect a@c7.test "unknown proxy_failed"
has_detail a@c7.test "command not supported"

# --- user/password (RFC 1929)
socks auth -a 'bob:s3cr:t'
probe --proxy "socks5://bob:s3cr%3At@127.0.0.1:$(port_of auth)" --no-catch-all alice@ok.test
expect alice@ok.test "deliverable accepted"
check "the proxy saw the right credentials" grep -q '^auth ok bob$' "$T/auth.log"
probe --proxy "socks5://bob:wrong@127.0.0.1:$(port_of auth)" --no-catch-all alice@ok.test
expect alice@ok.test "unknown proxy_failed"
has_detail alice@ok.test "refused the user name and password"
check_eq "the password is never printed" "$(grep -c wrong "$T/out" "$T/err" | grep -v ':0$' || true)" ""
probe --proxy "socks5://127.0.0.1:$(port_of auth)" --no-catch-all alice@ok.test
expect alice@ok.test "unknown proxy_failed"
has_detail alice@ok.test "wants authentication"

# --- hostile proxies: always the proxy's failure, never the address's
for m in badver trunc-hello trunc-conn badatyp stall noauth hangup; do
	socks "$m" -m "$m"
	probe --proxy "socks5://127.0.0.1:$(port_of "$m")" --connect-timeout 1 --no-catch-all \
	    alice@ok.test nobody@ok.test
	expect alice@ok.test "unknown proxy_failed"
	expect nobody@ok.test "unknown proxy_failed"
done
# (the last run's details)
has_detail alice@ok.test "closed before answering CONNECT"
probe --proxy "socks5://127.0.0.1:$(cat "$T/badver.ready")" --no-catch-all alice@ok.test
has_detail alice@ok.test "protocol error \(bad version byte\)"
probe --proxy "socks5://127.0.0.1:$(cat "$T/stall.ready")" --connect-timeout 1 --no-catch-all alice@ok.test
has_detail alice@ok.test "no answer in time"
# CONNECT never answered: a timeout at that step, the proxy not blamed
socks stallconn -m stall-conn
probe --proxy "socks5://127.0.0.1:$(port_of stallconn)" --connect-timeout 1 \
    --no-catch-all alice@ok.test
expect alice@ok.test "unknown timeout"
has_detail alice@ok.test "no reply in time \(socks-connect\)"
socks drip -m drip
probe --proxy "socks5://127.0.0.1:$(cat "$T/drip.ready")" --no-catch-all alice@ok.test nobody@ok.test
expect alice@ok.test "deliverable accepted"
expect nobody@ok.test "undeliverable mailbox_missing"

# --- two proxies, one dead: its domains move, every address one result
all="a@d1.test a@d2.test a@d3.test a@d4.test a@d5.test a@d6.test a@d7.test a@d8.test"
probe --proxy socks5://127.0.61.1:1080 --proxy "$P" --no-catch-all $all
for a in $all; do
	expect "$a" "deliverable accepted"
done
check_eq "one result per address" "$(wc -l <"$T/out" | tr -d ' ')" 8
check "a moved domain says so" grep -q 'proxy 127.0.61.1:1080 failed: .*moved to proxy 127.0.0.1:' "$T/out"
check "the domains of the live proxy do not mention the dead one" \
    sh -c "grep -v 127.0.61.1 '$T/out' | grep -q accepted"
# both dead: proxy_failed, not a verdict on the addresses
probe --proxy socks5://127.0.61.1:1080 --proxy socks5://127.0.61.2:1080 --no-catch-all $all
check_eq "every proxy dead: all proxy_failed" \
    "$(awk -F'\t' '$3 == "proxy_failed"' "$T/out" | wc -l | tr -d ' ')" 8

# --- the proxy by name, resolved on mxprobe's resolver
probe --proxy "socks5://proxy.test:$(port_of good)" --no-catch-all alice@ok.test
expect alice@ok.test "deliverable accepted"
probe --proxy "socks5://noproxy.test:1080" alice@ok.test
check_eq "unresolvable proxy: usage error" "$rc" 64

# --- --proxy-file and bad URLs
printf '# proxies\n\n  %s  \n' "$P" >"$T/proxies"
probe --proxy-file "$T/proxies" --no-catch-all alice@ok.test
expect alice@ok.test "deliverable accepted"
printf '%s\nsocks5://u:pw@h:99999\n' "$P" >"$T/bad"
probe --proxy-file "$T/bad" alice@ok.test
check_eq "bad --proxy-file line: usage error" "$rc" 64
check "names FILE:LINE" grep -q "$T/bad:2: proxy port out of 1..65535" "$T/err"
probe --proxy "http://u:secret@h" alice@ok.test
check_eq "bad --proxy: usage error" "$rc" 64
check_eq "bad --proxy: the password is not echoed" "$(grep -c secret "$T/err" || true)" 0
probe --proxy-file "$T/nonexistent" alice@ok.test
check_eq "missing --proxy-file: usage error" "$rc" 64

# --- serve and audit through the proxy
: >"$T/good.log"
start_serve --proxy "$P" --no-catch-all
check_eq "serve through the proxy" "$(lines alice@ok.test | cut -f1-3)" \
    "alice@ok.test	deliverable	accepted"
check "serve's session went through the proxy" grep -q '^connect 127.0.60.1 ' "$T/good.log"
kill "$SERVE_PID" 2>/dev/null || true
if $MXPROBE --version | grep -q "AUDIT=1"; then
	: >"$T/good.log"
	mxp audit --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private \
	    --dns-timeout 1 --dns-tries 1 --helo probe.test --proxy "$P" ok.test
	check "audit greets through the proxy" grep -q '^connect 127.0.60.1 ' "$T/good.log"
	check "audit saw the banner" grep -q 'mx.ok.test' "$T/out"
fi
done_testing
