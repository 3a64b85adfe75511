#!/bin/sh
# tests/integration/verdicts.sh - issue 17 end to end: provider replies
# that the verdict table reads by their words rather than their codes,
# --verdict-rules FILE (a row of the user's changes one verdict; bad files
# stop mxprobe with 64 and FILE:LINE before any result), and single-label
# domains (undeliverable syntax single_label in every mode, unless
# --allow-single-label).
set -eu
. "$TOP/tests/lib/lib.sh"

start_dns "$TOP/tests/scenarios/verdicts.zone"
start_smtp "$TOP/tests/scenarios/verdicts.smtp"

ADDRS="hold@rules.test nouser@rules.test rate@rules.test overquota@rules.test
    sendrate@rules.test other@rules.test"

# the built-in table
probe --no-catch-all $ADDRS
check_eq "built-in: one line per address" "$(wc -l <"$T/out")" 6
expect hold@rules.test "unknown rejected_unclear"
expect nouser@rules.test "undeliverable mailbox_missing"
expect rate@rules.test "unknown rate_limited"
expect overquota@rules.test "risky mailbox_full"
expect sendrate@rules.test "unknown rate_limited"
expect other@rules.test "undeliverable mailbox_missing"

# a row of the user's, tried first; the others keep their verdicts
cat >"$T/rules" <<'RULES'
# the router at rules.test says this of closed accounts
RCPT 550 - "account on hold" disabled
RULES
probe --no-catch-all --verdict-rules "$T/rules" $ADDRS
check_eq "rules: exit status (rate@ is unknown)" "$rc" 3
expect hold@rules.test "undeliverable disabled"
expect nouser@rules.test "undeliverable mailbox_missing"
expect rate@rules.test "unknown rate_limited"

# bad files: exit 64, FILE:LINE on stderr, no result
bad() {	# bad NAME EXPECTED-STDERR
	probe --no-catch-all --verdict-rules "$T/bad" hold@rules.test
	check_eq "$1: exit 64" "$rc" 64
	check "$1: names the line" grep -q "$T/bad:$2" "$T/err"
	check_eq "$1: no result" "$(wc -c <"$T/out" | tr -d ' ')" 0
}
printf 'RCPT 550 - "x" disabled\nRCPT 650 * * disabled\n' >"$T/bad"
bad "bad code" "2: bad code"
printf 'RCPT 550 - "x" catch_all\n' >"$T/bad"
bad "not an SMTP reason" "1: bad reason"
printf 'RCPT 550 - "unterminated disabled\n' >"$T/bad"
bad "unterminated keywords" "1: unterminated"
awk 'BEGIN { printf "RCPT 550 - \""; for (i = 0; i < 600; i++) printf "a"; printf "\" disabled\n" }' >"$T/bad"
bad "oversized line" "1: line longer than 512 bytes"
printf 'RCPT 550 - "x" disabled\nRCPT 550 - "tru' >"$T/bad"
bad "truncated file" "2: last line has no newline"
printf 'RCPT 550 - "a\000b" disabled\n' >"$T/bad"
bad "NUL byte" "1: NUL byte"
awk 'BEGIN { for (i = 0; i < 129; i++) print "RCPT 550 * * disabled" }' >"$T/bad"
bad "too many rows" "129: too many rules"
rm -f "$T/bad"
probe --verdict-rules "$T/bad" hold@rules.test
check_eq "missing file: exit 64" "$rc" 64

# single-label domains (RFC 5321 2.3.5), in every mode
for mode in --syntax-only --mx-only ""; do
	probe $mode --no-catch-all alice@ok u@single
	check_eq "single label ${mode:-probe}: verdict" \
	    "$(result alice@ok)" "undeliverable syntax"
	check "single label ${mode:-probe}: sub-token" \
	    grep -q "^alice@ok	undeliverable	syntax	single_label: " "$T/out"
	check_eq "single label ${mode:-probe}: exit 1" "$rc" 1
done
check_eq "single label: never looked up" "$(queries single)" 0
probe --syntax-only --allow-single-label alice@ok
check_eq "--allow-single-label --syntax-only" "$(result alice@ok)" \
    "deliverable syntax_ok"
probe --no-catch-all --allow-single-label u@single
check_eq "--allow-single-label probe" "$(result u@single)" \
    "deliverable accepted"

done_testing
