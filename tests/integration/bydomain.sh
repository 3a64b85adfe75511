#!/bin/sh
# tests/integration/bydomain.sh - the queue of a list read by domain
# (feed.h, feed_queue()): with --queue not given and a regular file that
# interleaves more addresses than the default queue, mxprobe takes a
# larger queue (enough whole domains for --concurrency sessions, at most
# twice the default) so that each domain's addresses are in progress
# together: every domain gets exactly the sessions the protocol needs
# (counted in the server's transcript), every line one result.  An
# explicit --queue, --passes 1 and a list that fits keep the queue given.
set -eu
. "$TOP/tests/lib/lib.sh"

# 70 domains x 20 addresses, interleaved: 1,400 lines, more than the
# default --queue (768), fewer than twice it.  Each domain (kind n)
# refuses 15 of its addresses and the catch-all probe: with at most 8
# refusals per session (--rejects-per-session) that is 2 sessions.
sh "$TOP/tests/lib/gen-world.sh" "$T/w" 70 20 0 n
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"
L=$T/w/list.txt
sort "$L" >"$T/list.sorted"
# connections per host, one line "count host" each, sorted
per_host() {
	awk '$4 == "+" { n[$2]++ } END { for (h in n) print n[h], h }' "$TR" |
	    sort -n
}

: >"$TR"
probe --helo probe.test --concurrency 256 -v -f "$L"
check "no --queue: -v says the queue chosen (1536)" \
    grep -q 'read by domain: 1536 addresses in progress at once' "$T/err"
check "no --queue: read in passes" grep -q 'reading it in 2 passes' "$T/err"
cut -f1 "$T/out" | sort >"$T/got"
check_file "no --queue: one result per line" "$T/got" "$T/list.sorted"
check_eq "no --queue: every host asked" "$(per_host | wc -l | tr -d ' ')" 70
check_eq "no --queue: 2 sessions per domain, none more, none fewer" \
    "$(per_host | awk '{ print $1 }' | sort -u | tr '\n' ' ')" "2 "
check_eq "no --queue: verdicts as expected" \
    "$(cut -f1-2 "$T/out" | tr '\t' ' ' | sort | md5sum)" \
    "$(cut -d' ' -f1-2 "$T/w/expect.txt" | sort | md5sum)"

# what the user says is kept
probe --helo probe.test --concurrency 256 --queue 768 -v -f "$L"
check_eq "--queue 768 given: kept" "$(grep -c 'addresses in progress at once' "$T/err" || true)" 0
cut -f1 "$T/out" | sort >"$T/got"
check_file "--queue 768 given: one result per line" "$T/got" "$T/list.sorted"
probe --helo probe.test --concurrency 256 --passes 1 -v -f "$L"
check_eq "--passes 1: the queue kept" "$(grep -c 'addresses in progress at once' "$T/err" || true)" 0
head -500 "$L" >"$T/l500"
probe --helo probe.test --concurrency 256 -v -f "$T/l500"
check_eq "a list that fits: the queue kept" "$(grep -c 'addresses in progress at once' "$T/err" || true)" 0
# the default --concurrency (32) wants 16 domains of 20: 320, below 768
probe --helo probe.test -v -f "$L"
check_eq "default --concurrency: the default queue is enough" \
    "$(grep -c 'addresses in progress at once' "$T/err" || true)" 0

# grouped by domain: one pass, and the larger queue too (a stable sort:
# u0..u19 stay in order, so the first session's batch has the accepted
# addresses and the rest fill two sessions exactly)
sort -s -t@ -k2,2 "$L" >"$T/grouped"
: >"$TR"
probe --helo probe.test --concurrency 256 -v -f "$T/grouped"
check "grouped: the queue chosen" grep -q 'read by domain: 1536 addresses' "$T/err"
check_eq "grouped: one pass" "$(grep -c 'passes' "$T/err" || true)" 0
cut -f1 "$T/out" | sort >"$T/got"
check_file "grouped: one result per line" "$T/got" "$T/list.sorted"
check_eq "grouped: 2 sessions per domain" \
    "$(per_host | awk '{ print $1 }' | sort -u | tr '\n' ' ')" "2 "

done_testing
