#!/bin/sh
# tests/integration/smtp.sh - the SMTP probe against fakesmtp: a case per
# row of the verdict table and per behaviour of the session state machine,
# checked in the output and in the server's transcript.
set -eu
. "$TOP/tests/lib/lib.sh"

start_dns "$TOP/tests/scenarios/smtp-cases.zone"
start_smtp "$TOP/tests/scenarios/smtp-cases.smtp"

probe --greylist-delay 2 --banner-timeout 2 --reply-timeout 3 --seed 42 \
    --backoff 0.05 \
    alice@ok.test bob@ok.test nobody@ok.test full@ok.test quota@ok.test \
    disabled@ok.test blocked@ok.test invalid@ok.test notlocal@ok.test \
    away@ok.test plain@ok.test jörg@ok.test \
    x@catchall.test carol@grey.test y@busy.test z@busy2.test alice@busy2.test \
    dave@nopipe.test eve@nopipe.test z@helo.test u@block.test \
    u@mailblock.test u@tlsreq.test u@black.test jörg@noutf8.test \
    plain@noutf8.test u@drop.test alice@backup.test postmaster@ok.test
check_eq "one line per address" "$(wc -l <"$T/out")" 29
expect alice@ok.test "deliverable accepted"
expect bob@ok.test "deliverable accepted"
expect nobody@ok.test "undeliverable mailbox_missing"
expect full@ok.test "risky mailbox_full"
expect quota@ok.test "risky mailbox_full"
expect disabled@ok.test "undeliverable disabled"
expect blocked@ok.test "unknown policy_block"
expect invalid@ok.test "undeliverable mailbox_invalid"
expect notlocal@ok.test "undeliverable rejected"
expect away@ok.test "unknown temp_failure"
# RFC 5321's generic 550 text says nothing about the mailbox (issue 17)
expect plain@ok.test "unknown rejected_unclear"
expect jörg@ok.test "deliverable accepted"
expect x@catchall.test "risky catch_all"
expect carol@grey.test "deliverable accepted"
expect y@busy.test "unknown rate_limited"
expect z@busy2.test "undeliverable mailbox_missing"
expect alice@busy2.test "deliverable accepted"
expect dave@nopipe.test "deliverable accepted"
expect eve@nopipe.test "undeliverable mailbox_missing"
expect z@helo.test "risky catch_all"
expect u@block.test "unknown policy_block"
expect u@mailblock.test "unknown policy_block"
expect u@tlsreq.test "unknown tls_required"
expect u@black.test "unknown timeout"
expect jörg@noutf8.test "unknown smtputf8_unsupported"
expect plain@noutf8.test "risky catch_all"
expect u@drop.test "unknown protocol_error"
expect alice@backup.test "deliverable accepted"
expect postmaster@ok.test "undeliverable mailbox_missing"
check "role account flagged" grep -q 'postmaster@ok.test.*role account' "$T/out"
check "the server's reply is in the detail" \
    grep -q 'nobody@ok.test.*550 5.1.1 <nobody@ok.test>: Recipient address rejected' "$T/out"
check "the MX host and address are in the detail" \
    grep -q 'alice@ok.test.*via mx.ok.test \[127.0.40.1\]' "$T/out"
check "backup MX used after a refused one" \
    grep -q 'alice@backup.test.*via mx.ok.test' "$T/out"
check "greylisted, then asked again" test "$(grep -c 'RCPT TO:<carol@grey.test>' "$TR")" -ge 2

# what went over the wire
check_eq "never DATA" "$(grep -c '! DATA sent' "$TR" || true)" 0
check_eq "no protocol violation at all" "$(grep ' ! ' "$TR" | head -3)" ""
check_eq "null sender by default" "$(grep -c ' > MAIL FROM:<>\( SMTPUTF8\)\{0,1\}$' "$TR" | tr -d ' ')" \
    "$(grep -c ' > MAIL FROM:' "$TR" | tr -d ' ')"
# a fully qualified host name, else the connection's address literal
# (RFC 5321 4.1.4); never an invented name like "host.localdomain"
check "EHLO with a name or an address literal" \
    grep -Eq ' > EHLO ([a-z0-9-]+\.[a-z0-9.-]*[a-z]|\[127\.[0-9.]+\])$' "$TR"
check_eq "EHLO never invents a name" "$(grep -c 'EHLO .*\.localdomain' "$TR" || true)" 0
check "HELO fallback after EHLO refused" grep -q '127.0.40.6 c[0-9]* > HELO ' "$TR"
check "pipelined: MAIL and RCPTs in one write" \
    grep -q '127.0.40.1 c[0-9]* = write [3-9] cmds\|127.0.40.1 c[0-9]* = write [1-9][0-9] cmds' "$TR"
check_eq "not pipelined without PIPELINING" \
    "$(awk '$2 == "127.0.40.5" && $5 == "write" && $6 != 1' "$TR" | wc -l | tr -d ' ')" 0
check "SMTPUTF8 parameter when needed" grep -q 'MAIL FROM:<> SMTPUTF8' "$TR"
check_eq "UTF-8 local part never sent without SMTPUTF8" \
    "$(grep -c '127.0.40.12.*RCPT TO:<j' "$TR" || true)" 0
check_eq "one catch-all probe per domain" \
    "$(grep -c -E ' > RCPT TO:<x[a-z0-9]{15}@catchall.test' "$TR" | tr -d ' ')" 1
# y@busy.test: once per attempt (--attempts 4); busy2 falls back at once
# mx.ok.test serves four of the domains: two sessions each at once
check_eq "politeness limits held (tests/lib/politeness.awk)" \
    "$(awk -v name=smtp -v open=8 -f "$TOP/tests/lib/politeness.awk" "$TR" | head -5)" ""
check "busy host backed off: at most --attempts connections, +1" \
    test "$(grep -c '127.0.40.4 c[0-9]* +' "$TR")" -le 5

# session reuse and 452 4.5.3: 7 addresses, 3 per transaction, a server
# that takes 2: one connection, RSETs, every address answered
: >"$TR"
probe --per-domain 1 --rcpt-per-session 3 --no-catch-all \
    a@few.test b@few.test c@few.test d@few.test e@few.test f@few.test g@few.test
check_eq "452 4.5.3: all seven answered" "$(grep -c 'deliverable	accepted' "$T/out" || true)" 7
check_eq "452 4.5.3: one connection" "$(grep -c ' + ' "$TR")" 1
check "session reuse: RSET between transactions" grep -q ' > RSET' "$TR"
check "too many recipients seen" grep -q '452 4.5.3' "$TR"

# duplicates are probed once and each gets its line
: >"$TR"
probe --no-catch-all alice@ok.test bob@ok.test alice@ok.test alice@ok.test
check_eq "duplicates: four lines" "$(wc -l <"$T/out")" 4
check_eq "duplicates: each answered as the server says" \
    "$(cut -f1-3 "$T/out" | sort -u | tr '\t\n' ' ;')" \
    "alice@ok.test deliverable accepted;bob@ok.test deliverable accepted;"
check_eq "duplicates: one RCPT" "$(grep -c 'RCPT TO:<alice@ok.test>' "$TR")" 1
check_eq "duplicates: flagged" "$(grep -c 'duplicate' "$T/out")" 2

# --no-retry: greylisting reported at once
probe --no-retry --no-catch-all newcomer@grey.test
expect newcomer@grey.test "unknown greylisted"

# --from goes on the wire as given (checked), --helo too
: >"$TR"
probe --from probe@sender.test --helo mx.checker.test --no-catch-all alice@ok.test
check "--from used" grep -q 'MAIL FROM:<probe@sender.test>' "$TR"
check "--helo used" grep -q 'EHLO mx.checker.test' "$TR"
for bad in "a b@c.test" "x@y.test
RCPT TO:<evil@z.test>" "@"; do
	probe --from "$bad" alice@ok.test
	check_eq "--from refused: $(echo "$bad" | head -1)" "$rc" 64
done
probe --helo "evil.test
MAIL FROM:<x@y>" alice@ok.test
check_eq "--helo with a newline refused" "$rc" 64

# injection: nothing from a bad input line reaches the server
: >"$TR"
printf 'a@ok.test\r\nRCPT TO:<inject1@ok.test>\nb@ok.test>\r\nDATA\n"x\r\nQUIT"@ok.test\nc@ok.test\000RSET\n' >"$T/in"
set +e
$MXPROBE --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private -f "$T/in" >"$T/out" 2>"$T/err"
set -e
check_eq "injection: one line per input line" "$(wc -l <"$T/out")" 7
check_eq "injection: all but one refused as syntax" "$(grep -c "	syntax	" "$T/out")" 6
check_eq "injection: no injected command reached the server" \
    "$(grep -c -i 'inject1\|DATA\|QUIT"\|RSET' "$TR" || true)" 0

# SIGTERM: every address read so far gets its line, the rest too
: >"$T/list"
for i in 1 2 3 4 5 6 7 8 9 10; do echo "u$i@black.test"; echo "v$i@ok.test"; done >"$T/list"
# (the signal once mxprobe is ready: its first DNS query, not after a
# second, which an emulated process may still spend starting)
: >"$QLOG"
$MXPROBE --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private \
    --banner-timeout 60 -f "$T/list" >"$T/out" 2>"$T/err" &
p=$!
wait_mxprobe $p || true
kill -TERM $p
set +e
wait $p
rc=$?
set -e
check_eq "SIGTERM: exit 143" "$rc" 143
check_eq "SIGTERM: one line per input" "$(wc -l <"$T/out")" 20
check_eq "SIGTERM: unfinished ones interrupted" \
    "$(grep -c 'black.test	unknown	interrupted' "$T/out")" 10
check_eq "SIGTERM: nothing twice" "$(cut -f1 "$T/out" | sort | uniq -d | wc -l | tr -d ' ')" 0

done_testing
