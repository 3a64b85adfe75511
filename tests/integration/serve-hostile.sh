#!/bin/sh
# tests/integration/serve-hostile.sh - "mxprobe serve" against clients
# that misbehave (issue 19): a result reaches only the question it
# answers, whatever a client does while its probe is in flight; clients
# that never read; pipelined lines; log injection; socket files that
# could be swapped for symlinks; the cache file; the descriptor limit;
# the privilege drop.  Each check here failed on the code before its fix.
set -eu
. "$TOP/tests/lib/lib.sh"

PY="python3 $TOP/tests/lib/serve-client.py"

# until_ok COMMAND...: poll until it succeeds (at most 30 s)
until_ok() {
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ $_i -gt 600 ] && return 1
		sleep 0.05
	done
}

# wait_log PATTERN: until the serve log has a line matching it
wait_log() { until_ok grep -q "$1" "$T/serve.log"; }

# gone PID: the process has exited
gone() { until_ok sh -c "! kill -0 $1 2>/dev/null"; }

# ulimit_serve N ARGS...: start_serve under ulimit -n N
ulimit_serve() {
	printf 'ulimit -n %s && exec "$@"\n' "$1" >"$T/ulimit.sh"
	shift
	MXPROBE="sh $T/ulimit.sh $MXP_BIN" start_serve "$@"
}

stop_serve() {
	kill -TERM "$SERVE_PID" 2>/dev/null || true
	wait "$SERVE_PID" 2>/dev/null || true
}

# stats_field NAME: one counter from the lines protocol's "stats"
stats_field() {
	echo stats | "$FAKES/sockreq" "$T/lines.sock" lines 1 5 |
	    tr ' ' '\n' | sed -n "s/^$1=//p"
}

PREQ='request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=%s\n\n'

start_dns "$TOP/tests/scenarios/smtp-cases.zone"
# 300 ms per reply: a probe takes a few seconds
start_smtp "$TOP/tests/scenarios/smtp-cases.smtp" -d 300

# --- 1. a result goes only to the submission it belongs to -----------
# A request for an undeliverable address, 9000 more bytes, then close:
# the client's slot must stay taken until the probe's result comes, or
# the next client in that slot gets the 550 (and it is cached under the
# next client's address).
start_serve --max-clients 1
{ printf "$PREQ" nobody@ok.test; head -c 9000 /dev/zero | tr '\0' x; } |
    $PY send "$T/policy.sock"
i=0
while :; do
	a=$(policy alice@ok.test)
	case $a in *"too many clients"*) ;; *) break ;; esac
	i=$((i + 1))
	[ $i -gt 400 ] && break
	sleep 0.05
done
check_eq "orphaned probe: the next client gets its own answer" "$a" "action=DUNNO"
check_eq "orphaned probe: the cache holds the right answer" \
    "$(policy alice@ok.test)" "action=DUNNO"
check_eq "orphaned probe: its own address is cached right" \
    "$(policy nobody@ok.test)" "action=550 5.1.1 undeliverable (mailbox_missing)"
check "orphaned probe: still serving" kill -0 "$SERVE_PID"
stop_serve

# 600 addresses of a slow domain (about 10 KB) in one go, then close
start_serve
awk 'BEGIN { for (i = 0; i < 600; i++) print "slow" i "@ok.test" }' |
    $PY send "$T/lines.sock"
check "lines: the orphaned probe ends" wait_log "probe slow0@ok.test "
check_eq "lines: still serving after the orphan's result" \
    "$(lines alice@ok.test | cut -f1-2)" "$(printf 'alice@ok.test\tdeliverable')"
check "lines: no crash" kill -0 "$SERVE_PID"
stop_serve

# --- 8. the line protocol: pipelining after a blank line, quit --------
start_serve
a=$(printf '\nalice@ok.test\n' | "$FAKES/sockreq" "$T/lines.sock" lines 1 10 | cut -f1-2 || true)
check_eq "lines: a blank line does not stall the rest" "$a" \
    "$(printf 'alice@ok.test\tdeliverable')"
a=$(printf 'stats\n\n\nstats\n' | "$FAKES/sockreq" "$T/lines.sock" lines 2 10 | grep -c '^queries=' || true)
check_eq "lines: stats, blank lines, stats: two answers" "$a" 2
check_eq "lines: quit closes the connection" "$($PY quit "$T/lines.sock")" closed

# --- 9. log injection: raw input bytes never reach the log ------------
printf 'a\033[31mb@@ok.test\n' | "$FAKES/sockreq" "$T/lines.sock" lines 1 10 >"$T/esc.out" || true
check "log injection: the answer escapes ESC" grep -q 'a\\x1b\[31mb@@ok.test' "$T/esc.out"
check "log injection: logged" wait_log 'probe a\\x1b\[31mb@@ok.test '
check "log injection: no raw ESC in the log" sh -c "! grep -q \"\$(printf '\\033')\" '$T/serve.log'"
stop_serve

# --- 7. a client that never reads --------------------------------------
start_serve --client-timeout 1
mkfifo "$T/hold"
$PY noread "$T/lines.sock" 40000 <"$T/hold" >"$T/noread.out" &
bg_pid $!
exec 7>"$T/hold"
wait_file "$T/noread.out"
i=0
while [ "$(stats_field clients)" != 1 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
check_eq "never-reading client: dropped at its write deadline" "$(stats_field clients)" 1
exec 7>&-
stop_serve
rm -f "$T/hold" "$T/noread.out"

# and SIGTERM's drain closes it after the drain budget
start_serve --drain-timeout 1
mkfifo "$T/hold"
$PY noread "$T/lines.sock" 40000 <"$T/hold" >"$T/noread.out" &
bg_pid $!
exec 7>"$T/hold"
wait_file "$T/noread.out"
kill -TERM "$SERVE_PID"
check "never-reading client: SIGTERM still exits" gone "$SERVE_PID"
exec 7>&-
wait "$SERVE_PID" 2>/dev/null || true
rm -f "$T/hold"

# --- 2. socket files: mode at bind(), owner without following links ---
if [ -z "$MXP_QEMU" ] && [ "$(id -u)" = 0 ] && command -v strace >/dev/null &&
    getent passwd nobody >/dev/null; then
	rm -f "$T/own.sock"
	strace -f -o "$T/strace" -e trace=chmod,fchmodat,chown,lchown,fchownat,fchown \
	    $MXP_BIN serve --policy "$T/own.sock" --socket-owner nobody \
	    --socket-mode 0640 --dns "127.0.0.1:$DNSPORT" 2>>"$T/serve.log" &
	st=$!
	bg_pid $st
	i=0
	while [ ! -S "$T/own.sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "socket: mode and owner" "$(stat -c '%a %U' "$T/own.sock")" "640 nobody"
	check "socket: no chmod/chown through its path (symlink-safe)" \
	    sh -c "! grep -E '(chmod|chown)\\(\"|at\\(AT_FDCWD, \"' '$T/strace'"
	check "socket: no private directory left" sh -c "! ls -a '$T' | grep -q '^\\.mxprobe-'"
	kill -TERM $(pgrep -P $st) 2>/dev/null || true
	wait $st 2>/dev/null || true
else
	echo "SKIP socket ownership (needs root, strace, a native binary)"
fi

# --- 4. the cache file ------------------------------------------------
# a planted link at the old fixed temporary name is never followed
echo precious >"$T/victim"
ln -s "$T/victim" "$T/c1.tmp"
start_serve --cache-file "$T/c1"
policy dave@nopipe.test >/dev/null
stop_serve
check_eq "cache file: a planted .tmp link is not followed" "$(cat "$T/victim")" precious
check "cache file: written" grep -q ' dave@nopipe.test ' "$T/c1"
check "cache file: no temporary file left" sh -c "! ls '$T' | grep -q '^c1\\.tmp-'"

# forged entries: a verdict that does not go with its reason, an expiry
# in 2286 and one of INT64_MAX (an overflow, UBSan aborted at start)
start_serve --cache-file "$T/c2"
policy nobody@ok.test >/dev/null
stop_serve
l=$(grep ' nobody@ok.test ' "$T/c2")
rest=${l#* * }
{
	echo "mxprobe-cache 1"
	echo "9999999999 0 $rest"
	echo "9223372036854775807 0 $rest" | sed 's/ nobody@ok.test / big@ok.test /'
} >"$T/c2"
chmod 600 "$T/c2"
: >"$TR"
start_serve --cache-file "$T/c2" --ttl-negative 60
check_eq "cache file: verdict taken from the reason, not the file" \
    "$(policy nobody@ok.test)" "action=550 5.1.1 undeliverable (mailbox_missing)"
check_eq "cache file: INT64_MAX expiry loads, clamped" \
    "$(policy big@ok.test)" "action=550 5.1.1 undeliverable (mailbox_missing)"
check_eq "cache file: forged entries answered from the cache" \
    "$(grep -c 'RCPT TO:<\(nobody\|big\)@' "$TR" || true)" 0
stop_serve
now=$(date +%s)
check "cache file: expiries clamped to --ttl-negative" awk -v lim=$((now + 61)) \
    'NR > 1 && $1 > lim { bad = 1 } END { exit bad }' "$T/c2"

# a file somebody else owns, or others may write, is not trusted
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	chown nobody "$T/c2"
	: >"$TR"
	start_serve --cache-file "$T/c2"
	policy nobody@ok.test >/dev/null
	check_eq "cache file: another user's file is not loaded" \
	    "$(grep -c 'RCPT TO:<nobody@' "$TR" || true)" 1
	check "cache file: the refusal is logged" wait_log "cannot read the cache file"
	stop_serve
	chown root "$T/c2"
fi
chmod 666 "$T/c2"
: >"$TR"
start_serve --cache-file "$T/c2"
policy nobody@ok.test >/dev/null
check_eq "cache file: a world-writable file is not loaded" \
    "$(grep -c 'RCPT TO:<nobody@' "$TR" || true)" 1
stop_serve

# --- 3. --user: sockets and files first, then no privilege -------------
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	chmod 755 "$T"
	mkdir -p "$T/state"
	chown nobody "$T/state"
	start_serve --user nobody --cache-file "$T/state/cache"
	check_eq "--user: runs as nobody, no groups" \
	    "$(awk '/^(Uid|Gid):/ { print $2, $3, $4, $5 } /^Groups:/ { print "g" $2 }' /proc/$SERVE_PID/status | tr '\n' ' ')" \
	    "65534 65534 65534 65534 65534 65534 65534 65534 g "
	check_eq "--user: still answers" "$(policy alice@ok.test)" "action=DUNNO"
	stop_serve
	check_eq "--user: cache file written as nobody" "$(stat -c %U "$T/state/cache" 2>/dev/null)" nobody
	: >"$TR"
	start_serve --user nobody --cache-file "$T/state/cache"
	check_eq "--user: the cache file loads back" "$(policy alice@ok.test)" "action=DUNNO"
	check_eq "--user: no new probe" "$(grep -c 'RCPT TO:<alice@' "$TR" || true)" 0
	stop_serve
	$MXPROBE serve --lines "$T/x.sock" --user no-such-user-mxp 2>"$T/nouser.err" && rc=0 || rc=$?
	check_eq "--user: an unknown user is a usage error" "$rc" 64
else
	echo "SKIP --user (needs root and a nobody user)"
fi

# --- 10. a low descriptor limit: sized at start, no EMFILE spin --------
if [ -z "$MXP_QEMU" ]; then
	ulimit_serve 48 --max-clients 64
	check "ulimit -n 48: limits lowered with a warning" wait_log "descriptor limit 48: lowered"
	mkfifo "$T/hold2"
	$PY hold "$T/lines.sock" 80 <"$T/hold2" >"$T/hold2.out" &
	bg_pid $!
	exec 8>"$T/hold2"
	wait_file "$T/hold2.out"
	check_eq "ulimit -n 48: 80 held connections, one more is told no" \
	    "$(echo alice@ok.test | "$FAKES/sockreq" "$T/lines.sock" lines 1 10 || true)" \
	    "ERROR too many clients"
	exec 8>&-
	i=0
	while [ "$(stats_field clients)" != 1 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "ulimit -n 48: answers again once they go" \
	    "$(lines alice@ok.test | cut -f1-2)" "$(printf 'alice@ok.test\tdeliverable')"
	stop_serve
else
	echo "SKIP descriptor limit (not under qemu)"
fi

# --- 13. the resolver socket is renewed (a new source port) ------------
start_serve
awk 'BEGIN { for (i = 0; i < 600; i++) print "u@d" i ".nx.test" }' |
    "$FAKES/sockreq" "$T/lines.sock" lines 600 120 >"$T/nx.out" || true
check_eq "resolver: 600 answers" "$(grep -c 'no_domain' "$T/nx.out")" 600
check "resolver: more than one source port over 600 queries" \
    test "$(awk '$3 ~ /\.nx\.test/ { split($2, a, ":"); print a[2] }' "$QLOG" | sort -u | wc -l)" -gt 1
stop_serve

done_testing
