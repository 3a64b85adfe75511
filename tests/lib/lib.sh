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

: "${T:=$(mktemp -d /tmp/mxp-test.XXXXXX)}"
_pass=0
_fail=0

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

# wait until FILE exists (a test server's ready file), at most ~10 s
wait_file() {
	_i=0
	while [ ! -s "$1" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ]; then
			return 1
		fi
		sleep 0.05
	done
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
	_i=0
	while [ ! -S "$T/policy.sock" ] || [ ! -S "$T/lines.sock" ]; do
		_i=$((_i + 1))
		[ $_i -gt 200 ] && { echo "FAIL serve did not start"; cat "$T/serve.log"; return 1; }
		sleep 0.05
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
