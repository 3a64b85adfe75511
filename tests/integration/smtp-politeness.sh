#!/bin/sh
# tests/integration/smtp-politeness.sh - politeness as a guarantee (issue
# 18): hosts that limit their clients, counted in the servers' transcript
# (connections, RCPTs), never in durations.  The back-off runs on a short
# scale (--backoff 0.05) so that its retries fit in a test.
set -eu
. "$TOP/tests/lib/lib.sh"

start_dns "$TOP/tests/scenarios/politeness.zone"
start_smtp "$TOP/tests/scenarios/politeness.smtp"

conns() {	# conns HOST: connections the transcript shows to it
	grep -c "^[0-9]* $1 c[0-9]* + " "$TR" || true
}
rcpts() {	# rcpts ADDRESS: RCPT commands for it
	grep -c " > RCPT TO:<$1>" "$TR" || true
}
polite() {	# polite NAME [awk -v settings]: tests/lib/politeness.awk
	_pn=$1
	shift
	check_eq "$_pn: politeness limits held" \
	    "$(awk -v name="$_pn" "$@" -f "$TOP/tests/lib/politeness.awk" "$TR" | head -5)" ""
}

# The storm: every RCPT answered "452 4.5.3 rate limit exceeded".  Before
# the fix, 2 addresses made 121,355 RCPTs in 5 s and never ended.
: >"$TR"
probe --backoff 0.05 a@storm.test b@storm.test
expect a@storm.test "unknown rate_limited"
expect b@storm.test "unknown rate_limited"
check "storm: the attempts are in the detail" \
    grep -q 'a@storm.test.*gave up after 4 attempts' "$T/out"
check_eq "storm: one connection per attempt (--attempts 4)" "$(conns 127.0.41.1)" 4
check_eq "storm: a@ asked once per attempt" "$(rcpts a@storm.test)" 4
check_eq "storm: b@ asked once per attempt" "$(rcpts b@storm.test)" 4
check_eq "storm: RCPTs in all, catch-all probes included (2)" \
    "$(grep -c ' > RCPT TO:' "$TR")" 10
polite "storm"
check_eq "storm: the checker sees a broken limit (--attempts 3 said)" \
    "$(awk -v name=storm -v attempts=3 -f "$TOP/tests/lib/politeness.awk" "$TR" |
    grep -c 'politeness storm: a@storm.test: 4 RCPTs over the run (limit 3)')" 1
: >"$TR"
probe --backoff 0.05 --attempts 2 a@storm.test
expect a@storm.test "unknown rate_limited"
check_eq "storm: --attempts 2, two connections" "$(conns 127.0.41.1)" 2

# a host answering only 421 at the greeting: at most --attempts connections
: >"$TR"
probe --backoff 0.05 u@busy.test v@busy.test w@busy.test
expect u@busy.test "unknown rate_limited"
check_eq "421 host: --attempts connections, the batch together" "$(conns 127.0.41.3)" 4
polite "421 host"

# 421 at MAIL FROM: each session charges the addresses one attempt, so a
# batch ends after --attempts connections (it was half: charged twice)
: >"$TR"
probe --backoff 0.05 --no-catch-all m1@mail421.test m2@mail421.test \
    m3@mail421.test
expect m1@mail421.test "unknown rate_limited"
check "421 at MAIL: gave up after 4 attempts" \
    grep -q 'm1@mail421.test.*gave up after 4 attempts' "$T/out"
check_eq "421 at MAIL: --attempts connections" "$(conns 127.0.41.9)" 4
polite "421 at MAIL"

# Postfix default error limits (soft 10: 200 ms sleeps here; hard 20): 30
# addresses, two thirds unknown.  Every one right, never slowed down,
# never cut off: a session stops after 8 rejected recipients.
: >"$TR"
i=0
while [ $i -lt 30 ]; do echo "k$i@pf.test"; i=$((i + 1)); done >"$T/pf"
mxp --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private \
    --dns-timeout 1 --dns-tries 1 -f "$T/pf"
check_eq "postfix: 30 results" "$(wc -l <"$T/out")" 30
check_eq "postfix: 10 deliverable" "$(grep -c '	deliverable	accepted' "$T/out")" 10
check_eq "postfix: 20 undeliverable" "$(grep -c '	undeliverable	mailbox_missing' "$T/out")" 20
check_eq "postfix: never past the hard error limit" "$(grep -c 'too many errors' "$TR" || true)" 0
check_eq "postfix: at most 8 rejected RCPTs per connection" \
    "$(awk '$4 == "<" && $5 ~ /^5/ { n[$3]++ } END { m = 0; for (c in n) if (n[c] > m) m = n[c]; print (m <= 8) }' "$TR")" 1
check_eq "postfix: never asked twice" \
    "$(grep ' > RCPT TO:<k' "$TR" | sort | uniq -d | wc -l | tr -d ' ')" 0
polite "postfix"

# a hard error limit below our budget: "421 4.7.0 Error: too many
# errors" ends that session only; the rest is asked on the next one,
# never reported rate_limited, the host not backed off
: >"$TR"
probe --no-catch-all ok@strict.test u1@strict.test u2@strict.test \
    u3@strict.test u4@strict.test u5@strict.test u6@strict.test u7@strict.test
expect ok@strict.test "deliverable accepted"
for u in u1 u2 u3 u4 u5 u6 u7; do
	expect $u@strict.test "undeliverable mailbox_missing"
done
check_eq "error limit: no address rate_limited" "$(grep -c rate_limited "$T/out" || true)" 0
check "error limit: the 421 was seen" grep -q 'Error: too many errors' "$TR"
check_eq "error limit: three sessions" "$(conns 127.0.41.4)" 3
polite "error limit"

# --rejects-per-session 1 with the catch-all probe in the first batch:
# that session may go one over (probe and address), never further (the
# budget once wrapped round and the next batch took 20 recipients)
: >"$TR"
probe --rejects-per-session 1 u1@strict.test u2@strict.test u3@strict.test \
    u4@strict.test u5@strict.test
check_eq "rejects 1: every address answered" \
    "$(grep -c '	undeliverable	mailbox_missing' "$T/out")" 5
polite "rejects 1" -v rejects=2
check_eq "rejects 1: never the server's error limit" "$(grep -c 'too many errors' "$TR" || true)" 0

# too many recipients after some were accepted: smaller transactions,
# every address answered, in one connection
: >"$TR"
probe --per-domain 1 --rcpt-per-session 5 --no-catch-all \
    a@few.test b@few.test c@few.test d@few.test e@few.test
check_eq "452 after accepted ones: all answered" \
    "$(grep -c '	deliverable	accepted' "$T/out")" 5
check_eq "452 after accepted ones: one connection" "$(conns 127.0.41.5)" 1

# fakesmtp conn-rate (Postfix anvil): the third connection in a minute
# from one client gets 421 "too many connections from"; mxprobe reads it
# as a rate limit of the host (backed off, then given up)
: >"$TR"
probe --no-catch-all a@crate.test
probe --no-catch-all b@crate.test
expect b@crate.test "deliverable accepted"
probe --no-catch-all --backoff 0.05 --attempts 2 c@crate.test
expect c@crate.test "unknown rate_limited"
check "conn-rate: the third connection refused" \
    grep -q '127.0.41.6 c[0-9]* < 421 4.7.0 mx.crate.test Error: too many connections from 127.0.0.1' "$TR"

# options are checked
mxp --backoff 0 a@b.test
check_eq "--backoff 0 refused" "$rc" 64
mxp --backoff 1.2345 a@b.test
check_eq "--backoff with four decimals refused" "$rc" 64
mxp --backoff 20 --backoff-max 10 a@b.test
check_eq "--backoff above --backoff-max refused" "$rc" 64
mxp --attempts 0 a@b.test
check_eq "--attempts 0 refused" "$rc" 64

# --limits FILE: checked at start (file:line), applied by MX host name
printf '# limits\nmx.few.test sessions=1 batch=2\n' >"$T/limits"
: >"$TR"
probe --limits "$T/limits" --no-catch-all a@few.test b@few.test c@few.test d@few.test
check_eq "--limits: all four answered" "$(grep -c '	deliverable	accepted' "$T/out")" 4
check_eq "--limits: batch=2, two RCPTs per transaction at most" \
    "$(awk '$4 == "=" && $5 == "write" { n = 0 } $4 == ">" && $5 == "RCPT" && ++n > m { m = n }
        END { print m }' "$TR")" 2
check_eq "--limits: sessions=1" "$(conns 127.0.41.5)" 1
printf 'mx.few.test sessions=1\nmx.few.test speed=9\n' >"$T/limits"
mxp --limits "$T/limits" a@few.test
check_eq "--limits: bad key refused" "$rc" 64
check "--limits: the error names file and line" grep -q "limits:2: want sessions=N" "$T/err"
printf 'mx..few.test sessions=1\n' >"$T/limits"
mxp --limits "$T/limits" a@few.test
check_eq "--limits: bad pattern refused" "$rc" 64
head -c 70000 /dev/zero | tr '\0' '#' >"$T/limits"
mxp --limits "$T/limits" a@few.test
check_eq "--limits: over 64 KiB refused" "$rc" 64
mxp --limits "$T/nonexistent" a@few.test
check_eq "--limits: a missing file refused" "$rc" 64

# SIGTERM while the governor holds a host back: every address its line
: >"$TR"
$MXPROBE --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private \
    --dns-timeout 1 --dns-tries 1 --backoff 600 --backoff-max 600 \
    a@storm.test b@busy.test \
    k1@pf.test >"$T/out" 2>"$T/err" &
p=$!
i=0
while [ "$(grep -c ' + ' "$TR")" -lt 2 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
# the 421 host and the storm host are now backed off for 600 s
i=0
while [ "$(grep -c '	' "$T/out")" -lt 1 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM $p
set +e
wait $p
rc=$?
set -e
check_eq "SIGTERM while backed off: exit 143" "$rc" 143
check_eq "SIGTERM while backed off: one line per address" "$(wc -l <"$T/out")" 3
check_eq "SIGTERM while backed off: the waiting ones interrupted" \
    "$(grep -c 'unknown	interrupted' "$T/out")" 2

done_testing
