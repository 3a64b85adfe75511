# tests/lib/lib.sh - shared shell functions for the test scripts (POSIX sh).
#
# A test script sources this, calls check/check_eq for each assertion and
# finishes with "done_testing".  Output: one line per check, "ok NAME" or
# "FAIL NAME" (with the details indented under it); tests/run.sh counts
# them.  Environment from tests/run.sh:
#   MXPROBE   command that runs the binary under test (may start with qemu)
#   MXP_BIN   the binary itself;  MXP_QEMU  the qemu prefix, or empty
#   FAKES     directory of the test servers (native)
#   T         a fresh scratch directory for this script
#
# Rules for writing a test that stays deterministic on a loaded machine
# and under qemu (a flaky check is a bug: CI runs once):
# - Never wait for time when you mean readiness.  A server is ready when
#   its ready file exists (start_dns, start_smtp); mxprobe is ready (its
#   signal handlers installed, its loop running) when the fake DNS logged
#   its first query (wait_mxprobe).  Wait with wait_until/wait_file,
#   which give up only after MXP_WAIT_S seconds (default 120), never a
#   fixed ~10 s that a loaded emulated run exceeds.
# - A random pause (a signal "at a random moment") is measured from such
#   a readiness sign, never from the start of the process: 0 ms after the
#   start of an emulated process is before main().
# - Read a server's transcript or query log only once the client has
#   exited or a completion sign is in it (fakesmtp logs each command as
#   it reads it, before its reply, and flushes every line).
# - Randomised tests draw their seed with seed_init: it is printed, taken
#   from MXP_SEED when set, and every FAIL line is followed by the command
#   that replays the run with that seed.
# - Timeouts given to mxprobe are generous unless the timeout itself is
#   what is tested: a slow emulated CPU must not turn an answer into
#   "unknown timeout".  Assert behaviour, never durations.
# - Files and ports are per script: everything under $T, servers on a
#   free port they choose.

: "${T:=$(mktemp -d /tmp/mxp-test.XXXXXX)}"
: "${MXP_WAIT_S:=120}"
_pass=0
_fail=0
_replay=""

ok() {
	_pass=$((_pass + 1))
	echo "ok $1"
}

not_ok() {
	_fail=$((_fail + 1))
	echo "FAIL $1"
	shift
	for l in "$@"; do
		printf '    %s\n' "$l"
	done
	if [ -n "$_replay" ]; then
		printf '    replay: %s\n' "$_replay"
	fi
}

# seed_init NAME: sets $seed (MXP_SEED, or random), prints it and the
# command that replays this script with it; FAIL lines repeat that command
seed_init() {
	seed=${MXP_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
	_replay="MXP_SEED=$seed MXP_ONLY=$1 sh tests/run.sh ${MXP_VARIANT:-x86_64}"
	echo "# random seed $seed (replay: $_replay)"
}

# check NAME COMMAND...: passes when the command succeeds
check() {
	_n=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$_n"
	else
		not_ok "$_n" "command failed: $*" "$(head -c 2000 "$T/check.out")"
	fi
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $2" "want: $3"
	fi
}

# check_file NAME GOTFILE WANTFILE: diff on failure
check_file() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1" "$(diff -u "$3" "$2" | head -40)"
	fi
}

# run the binary; sets $rc and leaves stdout/stderr in $T/out, $T/err
mxp() {
	set +e
	$MXPROBE "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

# the same with stdin from a file
mxp_in() {
	_in=$1
	shift
	set +e
	$MXPROBE "$@" <"$_in" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

# field N (1-based, TAB-separated) of line L of $T/out
field() {
	sed -n "$1p" "$T/out" | cut -f "$2"
}

# wait_until COMMAND...: poll until it succeeds; 1 after MXP_WAIT_S
# seconds (by the clock, not by a count of polls: a loaded machine makes
# each poll slower)
wait_until() {
	_wend=$(($(date +%s) + MXP_WAIT_S))
	until "$@"; do
		if [ "$(date +%s)" -gt "$_wend" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# wait until FILE is not empty (a test server's ready file)
wait_file() {
	wait_until test -s "$1"
}

# wait_lines FILE N: until FILE has at least N lines
wait_lines() {
	wait_until _has_lines "$1" "$2"
}
_has_lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# wait_grep FILE PATTERN: until grep finds PATTERN in FILE
wait_grep() {
	wait_until grep -q -- "$2" "$1" 2>/dev/null
}

# wait_mxprobe PID: until the mxprobe started in the background as PID
# is ready: the fake DNS logged a query from it (the loop runs, its signal
# handlers are in place), or it has already exited.  "From it": from the
# port of its resolver socket (ss -p), so that a late query of an earlier
# run cannot pass for it; without ss, any query in $QLOG (empty it first).
wait_mxprobe() {
	wait_until _mxp_ready "$1"
}
_mxp_ready() {
	kill -0 "$1" 2>/dev/null || return 0
	[ -s "$QLOG" ] || return 1
	command -v ss >/dev/null 2>&1 || return 0
	for _pt in $(ss -Hunap 2>/dev/null | awk -v p="pid=$1," 'index($0, p) {
	    n = split($4, a, ":"); print a[n] }'); do
		grep -q ":$_pt " "$QLOG" && return 0
	done
	return 1
}

# background processes started by a test: killed by done_testing
_pids=""
bg_pid() {
	_pids="$_pids $1"
}

cleanup() {
	for p in $_pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $_pids; do
		wait "$p" 2>/dev/null || true
	done
	_pids=""
}

done_testing() {
	cleanup
	echo "# $_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ]
}

trap cleanup EXIT INT TERM

# start_dns ZONEFILE: fakedns on 127.0.0.1, a free port; sets DNSPORT and
# QLOG (its query log: "ms addr:port name TYPE result transport")
start_dns() {
	QLOG=$T/qlog
	rm -f "$T/dns.ready" "$QLOG"
	"$FAKES/fakedns" -z "$1" -r "$T/dns.ready" -l "$QLOG" 2>"$T/dns.err" &
	bg_pid $!
	wait_file "$T/dns.ready" || { echo "FAIL fakedns did not start"; cat "$T/dns.err"; exit 1; }
	DNSPORT=$(cat "$T/dns.ready")
}

# start_smtp SCENARIO [extra args]: fakesmtp on the scenario's loopback
# hosts, one free port; sets SMTPPORT and TR (its transcript)
start_smtp() {
	TR=$T/transcript
	_sc=$1
	shift
	rm -f "$T/smtp.ready" "$TR"
	"$FAKES/fakesmtp" -s "$_sc" -r "$T/smtp.ready" -t "$TR" "$@" 2>"$T/smtp.err" &
	bg_pid $!
	wait_file "$T/smtp.ready" || { echo "FAIL fakesmtp did not start"; cat "$T/smtp.err"; exit 1; }
	SMTPPORT=$(cat "$T/smtp.ready")
}

# probe [args]: mxprobe pointed at the fakes, results in $T/out, $rc
probe() {
	mxp --dns "127.0.0.1:$DNSPORT" --port "${SMTPPORT:-25}" --allow-private \
	    --dns-timeout 1 --dns-tries 1 "$@"
}

# result ADDRESS: "verdict reason" of that address in $T/out
result() {
	awk -F'\t' -v a="$1" '$1 == a { print $2, $3 }' "$T/out"
}

# expect ADDRESS "verdict reason": one check
expect() {
	check_eq "$1 -> $2" "$(result "$1")" "$2"
}

# queries NAME [TYPE]: how many queries the fake DNS saw for it
queries() {
	awk -v n="$1" -v t="${2:-}" '$3 == n && (t == "" || $4 == t)' "$QLOG" | wc -l | tr -d ' '
}

# start_serve [args]: mxprobe serve on $T/policy.sock and $T/lines.sock,
# pointed at the fakes; sets SERVE_PID; waits for both sockets
start_serve() {
	rm -f "$T/policy.sock" "$T/lines.sock"
	$MXPROBE serve --policy "$T/policy.sock" --lines "$T/lines.sock" \
	    --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private \
	    --dns-timeout 1 --dns-tries 1 "$@" 2>>"$T/serve.log" &
	SERVE_PID=$!
	bg_pid $SERVE_PID
	wait_sockets "$SERVE_PID" "$T/policy.sock" "$T/lines.sock" ||
	    { echo "FAIL serve did not start"; cat "$T/serve.log"; return 1; }
}

# wait_sockets PID SOCKET...: until every SOCKET exists; 1 if PID exited
# first or MXP_WAIT_S passed
wait_sockets() {
	_wp=$1
	shift
	wait_until _sockets_or_gone "$_wp" "$@"
	for _s in "$@"; do
		[ -S "$_s" ] || return 1
	done
}
_sockets_or_gone() {
	_p=$1
	shift
	kill -0 "$_p" 2>/dev/null || return 0
	for _s in "$@"; do
		[ -S "$_s" ] || return 1
	done
}

# policy RCPT: one Postfix policy request for RCPT, prints the action line
policy() {
	printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@b.test\nrecipient=%s\nclient_address=127.0.0.1\n\n' "$1" |
	    "$FAKES/sockreq" "$T/policy.sock" policy 1 | head -1
}

# rawpolicy N: send stdin to the policy socket, print N answers
rawpolicy() {
	"$FAKES/sockreq" "$T/policy.sock" policy "$1" || true
}

# lines ADDRESS...: ask over the line protocol, one answer line each
lines() {
	for _a in "$@"; do echo "$_a"; done |
	    "$FAKES/sockreq" "$T/lines.sock" lines $# || true
}
