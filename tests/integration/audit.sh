#!/bin/sh
# tests/integration/audit.sh - "mxprobe audit" against fakedns and
# fakesmtp: one domain per finding (tests/scenarios/audit.zone and
# audit.smtp), text and JSON output, exit statuses.  Certificates are
# made here with the openssl CLI.
set -eu
. "$TOP/tests/lib/lib.sh"
if ! $MXPROBE --version | grep -q "AUDIT=1"; then
	echo "SKIP audit: this build has no audit (AUDIT=0)"
	done_testing
	exit 0
fi

case ${MXP_VARIANT:-} in
*notls*)
	echo "SKIP audit: $MXP_VARIANT is built with TLS=0"
	exit 0 ;;
esac
command -v openssl >/dev/null 2>&1 || { echo "SKIP audit: no openssl"; exit 0; }

o() { openssl "$@" >>"$T/openssl.log" 2>&1; }
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/good.key" -out "$T/good.crt" -days 30 \
    -subj "/CN=mx.good.test" \
    -addext "subjectAltName=DNS:mx.good.test,DNS:mx.ptr.test"
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/wrong.key" -out "$T/wrong.crt" -days 30 \
    -subj "/CN=mx.elsewhere.test" -addext "subjectAltName=DNS:mx.elsewhere.test"
[ -s "$T/wrong.crt" ] || { echo "FAIL certificates not made"; cat "$T/openssl.log"; exit 1; }
sed "s|@T@|$T|g" "$TOP/tests/scenarios/audit.smtp" >"$T/audit.smtp"
start_dns "$TOP/tests/scenarios/audit.zone"
start_smtp "$T/audit.smtp"

# audit.zone has no DNS faults: every query is answered, so the DNS
# timeouts are only an upper bound, generous for loaded qemu runs (with
# 1 s and one try, good.test's MX and SPF lookups timed out once under
# qemu-aarch64 at load 9)
AUDIT_DNS="--dns-timeout 5 --dns-tries 2"
audit() {
	# shellcheck disable=SC2086
	mxp audit --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" \
	    --allow-private $AUDIT_DNS --helo probe.test "$@"
}
# has DOMAIN CHECK STATUS PATTERN: a finding line matches
has() {
	check "$1 $2 $3: $4" awk -F'\t' -v d="$1" -v c="$2" -v s="$3" \
	    -v p="$4" 'BEGIN { r = 1 } $1 == d && $2 == c && $3 == s &&
	    index($4, p) > 0 { r = 0 } END { exit r }' "$T/out"
}

# --- the good domain: every finding ok, exit 0
audit good.test
check_eq "good: exit 0" "$rc" 0
check_eq "good: no warn or fail" "$(cut -f3 "$T/out" | sort -u)" "ok"
for c in mx spf dmarc mta-sts tls-rpt smtp starttls tls cert-name fcrdns; do
	has good.test "$c" ok ""
done
has good.test spf ok "(3 DNS lookups)"
has good.test smtp ok 'banner 220 "mx.good.test", EHLO PIPELINING STARTTLS'
has good.test tls ok "TLSv1."
check "good: the session sent no MAIL" sh -c "! grep -q 'MAIL FROM' '$TR'"
check "good: QUIT after EHLO" grep -q '> QUIT' "$TR"

# --- one finding each
audit nospf.test dupspf.test many.test loop.test plusall.test \
    baddmarc.test badv.test sub.org.test cname.test literal.test ptr.test \
    notls.test wrongcert.test closed.test nomx.test nullmx.test unres.test
check_eq "findings: exit 1 (some fail)" "$rc" 1
has nospf.test spf fail "no SPF record"
has nospf.test dmarc warn "no DMARC record"
has dupspf.test spf fail "2 SPF records"
has many.test spf fail "at least 11 DNS lookups (RFC 7208 4.6.4: max 10)"
has many.test spf warn '"ptr"'
has loop.test spf fail "include loop"
has plusall.test spf fail "+all"
has baddmarc.test dmarc fail "p=/sp= is not none"
has badv.test dmarc fail "v=DMARC1 is not the first tag"
has sub.org.test dmarc ok "at the organisational domain org.test"
has sub.org.test dmarc ok "p=quarantine"
has cname.test mx-host fail "alias (CNAME)"
has literal.test mx-host fail "an IP address"
has ptr.test fcrdns fail "PTR elsewhere.ptr.test does not resolve back"
has notls.test starttls fail "STARTTLS not offered"
has wrongcert.test cert-name fail "does not name the host"
# qemu-user 7.2 returns SO_ERROR's errno untranslated to MIPS code (the
# host's 111, where MIPS's ECONNREFUSED is 146, so strerror() says "No
# error information"): there, only that the refused host is a failure
refused="Connection refused"
case ${MXP_QEMU:-} in
*mips*) refused="port " ;;
esac
has closed.test smtp fail "$refused"
has nomx.test mx warn "implicit MX"
has nullmx.test mx warn "null MX"
has unres.test mx-host fail "nowhere.unres.test: no A/AAAA"
check_eq "domains in input order" "$(cut -f1 "$T/out" | uniq | head -3 | tr '\n' ' ')" \
    "nospf.test dupspf.test many.test "

# --- the DMARCbis DNS tree walk (audit.zone, "tree walk"): which record
# applies, and which _dmarc names were asked (QLOG)
: >"$QLOG"
audit a.b.deep.test x.mid.tree.test x.own.cut.test shop.brand.psd.test \
    mail.owner.psd.test a.b.c.d.e.f.g.h.i.long.test \
    a.b.c.d.e.f.g.h.i.j.k.none.test twodmarc.test
has a.b.deep.test dmarc ok "p=reject, rua (at the organisational domain deep.test, p=applies)"
for n in a.b.deep.test b.deep.test deep.test; do
	check_eq "walk: _dmarc.$n asked once" "$(queries "_dmarc.$n" TXT)" 1
done
has x.mid.tree.test dmarc ok "p=reject, rua (at the organisational domain tree.test, sp=applies)"
has x.own.cut.test dmarc ok "p=reject, rua (at the organisational domain own.cut.test, p=applies)"
check_eq "walk: psd=n stops it" "$(queries _dmarc.cut.test TXT)" 0
has shop.brand.psd.test dmarc warn "p=reject, rua (from the public suffix domain psd.test, psd=y: the organisational domain brand.psd.test has none, p=applies)"
has mail.owner.psd.test dmarc ok "p=quarantine, rua (at the organisational domain owner.psd.test, p=applies)"
has a.b.c.d.e.f.g.h.i.long.test dmarc ok "p=reject, rua (at the organisational domain long.test"
# the 11-label name, then 7 labels and up to long.test; _dmarc.test is 8th
check_eq "walk: 11 labels, 7 names under long.test" \
    "$(awk '$3 ~ /^_dmarc\..*long\.test\.?$/ && $4 == "TXT"' "$QLOG" | wc -l | tr -d ' ')" 7
check_eq "walk: 10 labels skipped" "$(queries _dmarc.b.c.d.e.f.g.h.i.long.test TXT)" 0
check_eq "walk: 8 labels skipped" "$(queries _dmarc.d.e.f.g.h.i.long.test TXT)" 0
check_eq "walk: 7 labels asked" "$(queries _dmarc.e.f.g.h.i.long.test TXT)" 1
has a.b.c.d.e.f.g.h.i.j.k.none.test dmarc warn "nor above it (8 queries, DMARCbis DNS tree walk)"
has twodmarc.test dmarc fail "several DMARC records at _dmarc.twodmarc.test: all discarded"

# --- warn only: exit 2
audit nullmx.test
check_eq "warn only: exit 2" "$rc" 2

# --- JSON: one object per domain
audit --json good.test notls.test
if command -v jq >/dev/null 2>&1; then
	check_eq "json: two objects" "$(jq -c .domain "$T/out" | tr '\n' ' ')" \
	    '"good.test" "notls.test" '
	check_eq "json: good status" "$(jq -r 'select(.domain=="good.test").status' "$T/out")" ok
	check_eq "json: notls starttls" "$(jq -r 'select(.domain=="notls.test").findings[] | select(.check=="starttls").status' "$T/out")" fail
fi

# --- a private mail host without --allow-private: not probed, said so
# shellcheck disable=SC2086
mxp audit --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" $AUDIT_DNS good.test
has good.test mx-host warn "private or loopback address, not probed"

# --- -f FILE and a bad name
printf 'good.test\nbad domain\n' >"$T/list"
audit -f "$T/list"
has "bad domain" domain fail "not a domain name"
has good.test spf ok ""

done_testing
