#!/bin/sh
# tests/integration/serve.sh - "mxprobe serve" against the fakes: policy
# answers, single flight, cache TTLs and bound, cache file, backend,
# client limits, malformed requests, SIGHUP and SIGTERM.
set -eu
. "$TOP/tests/lib/lib.sh"

start_dns "$TOP/tests/scenarios/smtp-cases.zone"
start_smtp "$TOP/tests/scenarios/smtp-cases.smtp" -d 300
start_serve --ttl-positive 2

# the Postfix policy protocol
check_eq "policy: unknown user rejected" "$(policy nobody@ok.test)" \
    "action=550 5.1.1 undeliverable (mailbox_missing)"
check_eq "policy: known user accepted" "$(policy alice@ok.test)" "action=DUNNO"
check_eq "policy: catch-all accepted (risky)" "$(policy anyone@catchall.test)" "action=DUNNO"
check_eq "policy: temporary failure deferred" "$(policy away@ok.test)" \
    "action=DEFER_IF_PERMIT 4.1.1 Recipient address verification failed: unknown (temp_failure)"
check_eq "policy: policy block never rejects" "$(policy blocked@ok.test | cut -c1-22)" "action=DEFER_IF_PERMIT"
check_eq "policy: bad syntax rejected" "$(policy 'bad@@ok.test' | cut -c1-17)" "action=550 5.1.1 "
a=$(printf 'request=smtpd_access_policy\nprotocol_state=DATA\nrecipient=nobody@ok.test\n\n' | rawpolicy 1 | head -1)
check_eq "policy: other protocol states: no opinion" "$a" "action=DUNNO"
a=$(printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=nobody@ok.test\n\nrequest=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=alice@ok.test\n\n' | rawpolicy 2 | grep -c '^action=')
check_eq "policy: two requests on one connection" "$a" 2

# the line protocol
check_eq "lines: CLI format" "$(lines nobody@ok.test | cut -f1-3)" \
    "$(printf 'nobody@ok.test\tundeliverable\tmailbox_missing')"
check_eq "lines: stats" "$(lines stats | cut -d' ' -f1-2 | sed 's/[0-9]//g')" "queries= cache_hits="

# the cache: a second query is answered from it
: >"$TR"
policy bob@ok.test >/dev/null
policy bob@ok.test >/dev/null
check_eq "cache: one probe for two queries" "$(grep -c 'RCPT TO:<bob@ok.test>' "$TR")" 1
sleep 2.3
policy bob@ok.test >/dev/null
check_eq "cache: asked again after --ttl-positive" "$(grep -c 'RCPT TO:<bob@ok.test>' "$TR")" 2
kill -HUP "$SERVE_PID"
wait_grep "$T/serve.log" 'SIGHUP: result cache cleared' || true
policy nobody@ok.test >/dev/null
check_eq "SIGHUP: cache cleared, asked again" "$(grep -c 'RCPT TO:<nobody@ok.test>' "$TR")" 1

# single flight: ten clients ask at once (300 ms per reply), one probe
: >"$TR"
for i in 1 2 3 4 5 6 7 8 9 10; do
	policy Carol@ok.test >"$T/sf.$i" &
done
for i in 1 2 3 4 5 6 7 8 9 10; do
	wait_file "$T/sf.$i" || true
done
check_eq "single flight: ten answers" "$(cat "$T"/sf.* | grep -c '^action=DUNNO')" 10
check_eq "single flight: one RCPT" "$(grep -c 'RCPT TO:<Carol@ok.test>' "$TR")" 1

# malformed requests: an error answer, the server stays up
a=$(printf 'no equals sign here\n\n' | rawpolicy 1 | head -1)
check_eq "malformed: error answer" "$a" "action=DEFER_IF_PERMIT 4.3.5 mxprobe: malformed policy request"
a=$(head -c 20000 /dev/zero | tr '\0' 'a' | rawpolicy 1 | head -1)
check_eq "over-long request: error answer" "$a" "action=DEFER_IF_PERMIT 4.3.5 mxprobe: malformed policy request"
a=$({ head -c 3000 /dev/zero | tr '\0' 'b'; echo; } | "$FAKES/sockreq" "$T/lines.sock" lines 1 | head -1)
check_eq "lines: over-long line" "$a" "ERROR line too long"
head -c 5000 /dev/urandom | "$FAKES/sockreq" "$T/policy.sock" policy 1 2 >/dev/null 2>&1 || true
head -c 5000 /dev/urandom | "$FAKES/sockreq" "$T/lines.sock" lines 1 2 >/dev/null 2>&1 || true
check "still serving after garbage" sh -c "echo stats | '$FAKES/sockreq' '$T/lines.sock' lines 1 | grep -q errors="
check "no crash" kill -0 "$SERVE_PID"

# SIGTERM drains: the socket goes, the process exits 0
kill -TERM "$SERVE_PID"
set +e
wait "$SERVE_PID"
rc=$?
set -e
check_eq "SIGTERM: exit 0" "$rc" 0
check "SIGTERM: socket removed" test ! -e "$T/policy.sock"

# client limit
start_serve --max-clients 1
# (the holder is in once its first answer came, not after 0.3 s)
{ echo stats; sleep 60; } | "$FAKES/sockreq" "$T/lines.sock" lines 2 60 >"$T/hold" &
hold=$!
wait_file "$T/hold" || true
check_eq "--max-clients 1: the second is turned away" "$(lines alice@ok.test)" "ERROR too many clients"
kill $hold 2>/dev/null || true
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true

# --cache-file: kept across a restart, written atomically
start_serve --cache-file "$T/cache"
policy dave@nopipe.test >/dev/null
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
check "cache file written" grep -q ' dave@nopipe.test ' "$T/cache"
check "no temporary file left" test ! -e "$T/cache.tmp"
: >"$TR"
start_serve --cache-file "$T/cache"
check_eq "cache file: answer after restart" "$(policy dave@nopipe.test)" "action=DUNNO"
check_eq "cache file: no new probe" "$(grep -c 'RCPT TO:<dave' "$TR" || true)" 0
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true

# --backend: one server for every domain, no MX lookup
: >"$TR"
rm -f "$T/policy.sock" "$T/lines.sock"
$MXPROBE serve --policy "$T/policy.sock" --lines "$T/lines.sock" \
    --backend "127.0.40.1:$SMTPPORT" --dns 127.0.0.1:9 --no-catch-all \
    2>>"$T/serve.log" &
SERVE_PID=$!
bg_pid $SERVE_PID
wait_sockets $SERVE_PID "$T/lines.sock" || true
check_eq "--backend: asked the backend" "$(policy alice@ok.test)" "action=DUNNO"
check "--backend: the backend saw it" grep -q '127.0.40.1 .*RCPT TO:<alice@ok.test>' "$TR"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true

# the cache never grows past --cache, whatever is asked (5,000 probes of
# one host: the governor's pace lifted, it would take 8 minutes)
if [ -z "$MXP_QEMU" ] && [ "$MXP_SAN" = 0 ]; then
	start_smtp "$TOP/tests/scenarios/smtp-cases.smtp"
	rm -f "$T/policy.sock" "$T/lines.sock"
	"$FAKES/peakrss" "$T/rss" $MXPROBE serve --lines "$T/lines.sock" \
	    --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private \
	    --cache 100 --host-rcpts 1000000 --host-connections 100000 \
	    2>>"$T/serve.log" &
	rp=$!
	bg_pid $rp
	wait_sockets $rp "$T/lines.sock" || true
	awk 'BEGIN { for (i = 0; i < 5000; i++) print "u" i "@catchall.test" }' |
	    "$FAKES/sockreq" "$T/lines.sock" lines 5000 120 >"$T/many" || true
	check_eq "5000 queries, 5000 answers" "$(grep -c 'catch_all' "$T/many")" 5000
	check "cache bounded: at most 100 entries" sh -c "echo stats | '$FAKES/sockreq' '$T/lines.sock' lines 1 | grep -q 'cache_entries=100 '"
	pkill -TERM -f "^$MXP_BIN serve --lines $T/lines.sock" || true
	wait $rp 2>/dev/null || true
	check "serve RSS under 2 MiB after 5000 probes ($(cat "$T/rss") KiB)" test "$(cat "$T/rss")" -lt 2048
else
	echo "SKIP cache bound RSS (not meaningful under qemu or ASan)"
fi

done_testing
