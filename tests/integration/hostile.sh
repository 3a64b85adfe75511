#!/bin/sh
# tests/integration/hostile.sh - the hostile server corpus: one misbehaving
# SMTP server per case (tests/scenarios/hostile-cases.smtp; its "# expect"
# lines give each case's address and the one result mxprobe must give).
# For every case: exactly one result, the expected verdict and reason,
# within the configured deadline; no crash, no sanitizer report; valid
# JSON whatever bytes the server sent; memory bounded.
set -eu
. "$TOP/tests/lib/lib.sh"

SC=$TOP/tests/scenarios/hostile-cases.smtp
TMO="--banner-timeout 2 --reply-timeout 2 --timeout 8"
start_dns "$TOP/tests/scenarios/hostile-cases.zone"
start_smtp "$SC"

sed -n 's/^# expect //p' "$SC" >"$T/cases"
cut -d' ' -f1 "$T/cases" >"$T/list"
n=$(wc -l <"$T/list" | tr -d ' ')
check "at least 25 hostile behaviours ($n)" test "$n" -ge 25

# sanitizer reports, crashes: never
clean() {
	check_eq "$1: no crash (exit $rc)" "$(test "$rc" -lt 64 && echo ok || echo "exit $rc")" ok
	check_eq "$1: no sanitizer report" \
	    "$(grep -c 'AddressSanitizer\|LeakSanitizer\|runtime error' "$T/err" || true)" 0
}

t0=$(date +%s)
probe $TMO --no-catch-all --tls try --json -f "$T/list"
t1=$(date +%s)
clean "corpus"
cp "$T/out" "$T/json"
check_eq "corpus: one result per case" "$(wc -l <"$T/out" | tr -d ' ')" "$n"
check_eq "corpus: every JSON line valid, whatever the server sent" \
    "$(jq -c . "$T/json" 2>/dev/null | wc -l | tr -d ' ')" "$n"
jq -r '[.address, .verdict, .reason] | join(" ")' "$T/json" >"$T/got" 2>/dev/null || true
while read -r a want; do
	# "unknown x|y": either reason (a race the kernel decides)
	got=$(awk -v a="$a" '$1 == a { $1 = ""; print substr($0, 2) }' "$T/got")
	v=${want%% *}
	case "|${want#* }|" in *"|${got#* }|"*) [ "${got%% *}" = "$v" ] && got=$want ;; esac
	check_eq "$a -> $want" "$got" "$want"
done <"$T/cases"
# the whole run is bounded by --timeout (8 s); qemu and ASan are slower
slack=4
[ -n "$MXP_QEMU" ] && slack=20
check "corpus: done within the deadline ($((t1 - t0)) s)" test $((t1 - t0)) -le $((8 + slack))
check_eq "corpus: every address within its 8 s budget" \
    "$(jq -r 'select(.elapsed_ms > 9000) | .address' "$T/json" | head -3)" ""

# what went over the wire
check_eq "never DATA" "$(grep -c '! DATA sent' "$TR" || true)" 0
check_eq "no protocol violation by the client" \
    "$(grep ' ! ' "$TR" | grep -v '127.0.50.\(29\|30\) ' | head -3)" ""
check_eq "politeness limits held over the corpus (tests/lib/politeness.awk)" \
    "$(awk -v name=hostile -f "$TOP/tests/lib/politeness.awk" "$TR" | head -5)" ""
check "the echoed command stayed a reply text" \
    grep -q '"u@echo-inject.test".*"text":"RCPT TO:<u@echo-inject.test>"' "$T/json"
check "plaintext after a failed handshake, said in the tls field" \
    grep -q 'starttls-garbage.test.*handshake failed.*plaintext' "$T/json"
check_eq "the injected bytes after 220 to STARTTLS never read as a reply" \
    "$(grep -c 'starttls-inject.test.*deliverable' "$T/json" || true)" 0

# an RSET that never ends, between two transactions without PIPELINING:
# the second address was in the session's batch, it still gets its result
probe $TMO --no-catch-all --per-domain 1 --rcpt-per-session 1 u@rset-stall.test v@rset-stall.test
clean "RSET stall"
expect u@rset-stall.test "deliverable accepted"
expect v@rset-stall.test "unknown timeout"

# text output: one line per case too, with the bytes made safe
probe $TMO --no-catch-all u@bad-utf8.test u@nul-reply.test u@echo-inject.test
clean "text output"
check_eq "text: three lines" "$(wc -l <"$T/out" | tr -d ' ')" 3
check_eq "text: four fields each" "$(awk -F'\t' 'NF != 4' "$T/out" | wc -l | tr -d ' ')" 0

# a huge batch for a server that never reads: every address its result
# within the deadline.  --timeout bounds one session attempt; addresses
# queued behind busy sessions wait for one (not counted), so here every
# address fits in a session at once: 20 sessions x 32 RCPTs (the
# governor's defaults would pace 600 RCPTs to one host over a minute).
awk 'BEGIN { for (i = 0; i < 600; i++) printf "user%d@no-read.test\n", i }' >"$T/big"
t0=$(date +%s)
probe $TMO --no-catch-all --rcpt-per-session 32 --per-domain 20 --queue 1000 --ring 1000 --json \
    --rejects-per-session 32 --host-rcpts 100000 --host-connections 1000 -f "$T/big"
t1=$(date +%s)
clean "no-read batch"
check_eq "no-read batch: 600 results" "$(wc -l <"$T/out" | tr -d ' ')" 600
check_eq "no-read batch: each address once" "$(jq -r .address "$T/out" | sort -u | wc -l | tr -d ' ')" 600
check_eq "no-read batch: all timeouts" "$(jq -r '.verdict + " " + .reason' "$T/out" | sort | uniq -c | tr -s ' ')" " 600 unknown timeout"
check_eq "no-read batch: each within its 8 s budget" \
    "$(jq -r 'select(.elapsed_ms > 9000) | .address' "$T/out" | head -3)" ""
check "no-read batch: done within the deadline ($((t1 - t0)) s)" test $((t1 - t0)) -le $((8 + slack))

# memory: the 1 MB line and the 10,000-line reply cost no more than a
# run against one sane server (RSS is meaningless under qemu and ASan)
if [ -z "$MXP_QEMU" ] && [ "$MXP_SAN" = 0 ]; then
	P="--dns 127.0.0.1:$DNSPORT --port $SMTPPORT --allow-private --dns-timeout 1 --dns-tries 1 $TMO --no-catch-all"
	"$FAKES/peakrss" "$T/rss1" "$MXP_BIN" $P u@caps-enormous.test >/dev/null 2>&1 || true
	"$FAKES/peakrss" "$T/rss2" "$MXP_BIN" $P -f "$T/list" >/dev/null 2>&1 || true
	r1=$(cat "$T/rss1")
	r2=$(cat "$T/rss2")
	check "RSS bounded: hostile corpus ${r2} KiB vs one sane server ${r1} KiB" \
	    test "$r2" -le $((r1 + 1024))
else
	echo "SKIP RSS under qemu or ASan"
fi

done_testing
