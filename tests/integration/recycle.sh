#!/bin/sh
# tests/integration/recycle.sh - more domains than domain entries: with
# --dns-cache 6 and --queue 6, 40 interleaved domains reuse the entries
# over and over while sessions of earlier domains still linger (a
# lingering session holds no address).  A reused entry must never be one
# whose session is still open: that once left a domain's session count
# wrapped round and its addresses waiting for ever.
set -eu
. "$TOP/tests/lib/lib.sh"

sh "$TOP/tests/lib/gen-world.sh" "$T/w" 40 3 0 n
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"
# a stall is the failure this looks for: a watchdog turns it into one
MXPROBE="timeout 120 $MXPROBE"
probe --queue 6 --dns-cache 6 --concurrency 16 --timeout 20 -f "$T/w/list.txt"
check "finished by itself (exit $rc)" test "$rc" -lt 64
check_eq "120 inputs: 120 results" "$(wc -l <"$T/out" | tr -d " ")" 120
awk -F'\t' '{ print $1, $2, $3 }' "$T/out" | sort >"$T/got"
sort "$T/w/expect.txt" >"$T/want"
check_file "every verdict as the host's script says" "$T/got" "$T/want"
check_eq "no assertion, no crash" "$(grep -c 'assert\|Sanitizer\|runtime error' "$T/err" || true)" 0
done_testing
