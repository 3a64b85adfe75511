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

audit() {
	mxp audit --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" \
	    --allow-private --dns-timeout 1 --dns-tries 1 --helo probe.test "$@"
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
has closed.test smtp fail "Connection refused"
has nomx.test mx warn "implicit MX"
has nullmx.test mx warn "null MX"
has unres.test mx-host fail "nowhere.unres.test: no A/AAAA"
check_eq "domains in input order" "$(cut -f1 "$T/out" | uniq | head -3 | tr '\n' ' ')" \
    "nospf.test dupspf.test many.test "

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
mxp audit --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --dns-timeout 1 \
    --dns-tries 1 good.test
has good.test mx-host warn "private or loopback address, not probed"

# --- -f FILE and a bad name
printf 'good.test\nbad domain\n' >"$T/list"
audit -f "$T/list"
has "bad domain" domain fail "not a domain name"
has good.test spf ok ""

done_testing
