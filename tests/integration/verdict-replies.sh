#!/bin/sh
# tests/integration/verdict-replies.sh - the reply corpus
# (tests/corpus/replies.tsv) played by fake servers (issue 18 step 6): a
# few RCPT-stage rows of every expected reason and code class (421 apart),
# one host and domain per row answering every RCPT with the row's reply,
# one mxprobe run over one address per domain.  Checked: one result per
# address; undeliverable only where the row says so; and the politeness
# limits in the transcript (tests/lib/politeness.awk), with a host that
# answers RCPT only with 4xx asked over at most --attempts connections.
# The scenario is generated here, so a corpus row added later is covered.
set -eu
. "$TOP/tests/lib/lib.sh"

PER=3		# rows per (reason, code class) kept
ATTEMPTS=4

# rows: id, code, reply (code, ecode, text as test_corpus.c joins them),
# expected verdict, reason; "%" doubled for fakesmtp, rows with "\" left out
awk -F'\t' -v per=$PER 'NR > 1 && $2 == "RCPT" && $5 !~ /\\/ {
	k = $8 "|" substr($3, 1, 1) ($3 == "421" ? "421" : "")
	if (n[k]++ >= per) next
	t = $5
	gsub(/%/, "%%", t)
	r = $3 ($4 == "-" ? "" : " " $4) " " t
	print $1 "\t" $3 "\t" r "\t" $7 "\t" $8
}' "$TOP/tests/corpus/replies.tsv" >"$T/rows"

awk -F'\t' -v zone="$T/zone" -v list="$T/list" -v hosts="$T/hosts" '
BEGIN {
	print "$TTL 300" >zone
	print "test.\tSOA\tns.test. hostmaster.test. 1 3600 600 86400 60" >zone
}
{
	i = NR
	ip = "127.0." (77 + int(i / 250)) "." (i % 250 + 1)
	d = $1 ".vr.test"
	print d ".\tMX\t10 mx." d "." >zone
	print "mx." d ".\tA\t" ip >zone
	print "host " ip " mx." d
	print "rcpt-default " $3
	print "probe@" d >list
	print ip, $2 >hosts
}' "$T/rows" >"$T/scenario"

NROWS=$(wc -l <"$T/rows" | tr -d ' ')
check "corpus rows: a few dozen kept" test "$NROWS" -ge 30
check "corpus rows: every RCPT reason covered" sh -c "
    awk -F'\t' '\$2 == \"RCPT\" { print \$8 }' '$TOP/tests/corpus/replies.tsv' |
    sort -u >'$T/want.reasons'
    cut -f5 '$T/rows' | sort -u | cmp - '$T/want.reasons'"
check "corpus rows: 421 and 4xx rate/temporary rows kept" sh -c "
    cut -f2 '$T/rows' | grep -qx 421 &&
    awk -F'\t' '\$2 ~ /^4/ && \$5 == \"rate_limited\"' '$T/rows' | grep -q . &&
    awk -F'\t' '\$2 ~ /^4/ && \$5 == \"temp_failure\"' '$T/rows' | grep -q ."

start_dns "$T/zone"
start_smtp "$T/scenario"

probe --attempts $ATTEMPTS --backoff 0.02 --backoff-max 0.1 \
    --greylist-delay 0 -f "$T/list"
check_eq "run: exit status (some unknown)" "$rc" 3
check_eq "run: one result line per address" "$(wc -l <"$T/out" | tr -d ' ')" "$NROWS"
check_eq "run: no address twice" "$(cut -f1 "$T/out" | sort | uniq -d | head -3)" ""
sort "$T/list" >"$T/want.addrs"
cut -f1 "$T/out" | sort >"$T/got.addrs"
check "run: every address has its result" cmp "$T/want.addrs" "$T/got.addrs"

# (b) undeliverable only where the corpus row says undeliverable, and a
# 4xx reply never makes one
check_eq "verdicts: undeliverable only where the row says so" "$(awk -F'\t' '
	FNR == NR { v["probe@" $1 ".vr.test"] = $4; c["probe@" $1 ".vr.test"] = $2; next }
	$2 == "undeliverable" && (v[$1] != "undeliverable" || c[$1] ~ /^4/) {
		print $1 ": " $2 " " $3 " (row: " v[$1] ")"
	}' "$T/rows" "$T/out" | head -5)" ""
check_eq "verdicts: deliverable only for a 2xx row" "$(awk -F'\t' '
	FNR == NR { c["probe@" $1 ".vr.test"] = $2; next }
	$2 == "deliverable" && c[$1] !~ /^2/ { print $1 }' "$T/rows" "$T/out" | head -5)" ""
check_eq "verdicts: a 4xx row is unknown or risky" "$(awk -F'\t' '
	FNR == NR { c["probe@" $1 ".vr.test"] = $2; next }
	c[$1] ~ /^4/ && $2 != "unknown" && $2 != "risky" { print $1 ": " $2 }' \
	"$T/rows" "$T/out" | head -5)" ""

# (c) politeness, from the servers' side
check_eq "politeness: limits held over the corpus run" \
    "$(awk -v name=verdict-replies -v attempts=$ATTEMPTS \
    -f "$TOP/tests/lib/politeness.awk" "$TR" | head -5)" ""
# a host whose every RCPT reply is 4xx (its row's code: the scenario
# answers every RCPT so): at most --attempts connections
awk '
	FNR == NR { if ($2 ~ /^4/) { only4[$1] = 1 }; next }
	$4 == "+" && ($2 in only4) { conns[$2]++ }
	END { for (h in conns) { print h, conns[h] } }' "$T/hosts" "$TR" >"$T/only4"
check "politeness: some hosts answered RCPT only with 4xx, asked again" \
    awk '$2 > 1 { n++ } END { exit !(n > 0) }' "$T/only4"
check_eq "politeness: a 4xx-only host sees at most $ATTEMPTS connections" \
    "$(awk -v max=$ATTEMPTS '$2 > max' "$T/only4" | head -5)" ""
