#!/bin/sh
# tests/integration/signals.sh - signals and output faults: SIGINT/SIGTERM
# at random moments still give exactly one result per input (exit
# 130/143); a closed stdout, a broken pipe or a full disk is a clear
# error and exit 74, never a silent truncation; "ulimit -n 64" with
# --concurrency 256 runs with what fits, with a warning.
set -eu
. "$TOP/tests/lib/lib.sh"

sh "$TOP/tests/lib/gen-world.sh" "$T/w" 40 10 100
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"
P="--dns 127.0.0.1:$DNSPORT --port $SMTPPORT --allow-private --dns-timeout 1 --dns-tries 1 --banner-timeout 2 --greylist-delay 1 --backoff 0.1"
n=$(wc -l <"$T/w/list.txt" | tr -d ' ')

# SIGINT / SIGTERM after a random pause (0 to 2.5 s) measured from the
# moment mxprobe is ready (the fake DNS saw its first query: its loop and
# signal handlers are in place), several times.  Measured from its start,
# a 0 ms pause killed an emulated mxprobe before main() (no line at all),
# which says nothing about mxprobe.
seed_init signals
i=0
for sig in TERM INT TERM INT TERM INT; do
	i=$((i + 1))
	ms=$(awk -v s="$seed" -v i="$i" 'BEGIN { srand(s + i); printf "%d", rand() * 2500 }')
	: >"$QLOG"
	$MXPROBE $P --concurrency 16 -f "$T/w/list.txt" >"$T/out" 2>"$T/err" &
	p=$!
	if ! wait_mxprobe $p; then
		not_ok "SIG$sig: mxprobe ready within ${MXP_WAIT_S} s"
	fi
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -"$sig" $p 2>/dev/null || true
	set +e
	wait $p
	rc=$?
	set -e
	want=143
	[ $sig = INT ] && want=130
	# the run may have finished before the signal: then exit 0..3
	if [ $rc -le 3 ]; then
		check_eq "SIG$sig after ${ms} ms: finished first, all results" "$(wc -l <"$T/out" | tr -d ' ')" "$n"
		continue
	fi
	check_eq "SIG$sig after ${ms} ms: exit $want" "$rc" "$want"
	check_eq "SIG$sig after ${ms} ms: one line per input ($n)" "$(wc -l <"$T/out" | tr -d ' ')" "$n"
	check_eq "SIG$sig after ${ms} ms: each input exactly once" \
	    "$(cut -f1 "$T/out" | sort -u | comm -3 - "$(sort "$T/w/list.txt" >"$T/sorted"; echo "$T/sorted")" | wc -l | tr -d ' ')" 0
	check_eq "SIG$sig after ${ms} ms: no sanitizer report" \
	    "$(grep -c 'Sanitizer\|runtime error' "$T/err" || true)" 0
done

# A signal that comes while mxprobe is still setting up (before its loop
# exists) is kept, not lost.  Deterministic: mxprobe starts with SIGTERM
# blocked and already pending (a blocked signal stays pending across
# exec); it unblocks what it handles as its first step, so SIGTERM lands
# in that window every time.  Before the fix it was never delivered and
# the run went to its end (exit 0-3).
sort "$T/w/list.txt" >"$T/sorted"
for sig in TERM INT; do
	want=143
	[ $sig = INT ] && want=130
	set +e
	python3 -c 'import os, signal, sys
s = getattr(signal, "SIG" + sys.argv[1])
signal.pthread_sigmask(signal.SIG_BLOCK, [s])
os.kill(os.getpid(), s)
os.execvp(sys.argv[2], sys.argv[2:])' $sig $MXPROBE $P --concurrency 16 \
	    -f "$T/w/list.txt" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	check_eq "SIG$sig pending at start: exit $want" "$rc" "$want"
	check_eq "SIG$sig pending at start: one line per input ($n)" "$(wc -l <"$T/out" | tr -d ' ')" "$n"
	check_eq "SIG$sig pending at start: each input exactly once" \
	    "$(cut -f1 "$T/out" | sort -u | comm -3 - "$T/sorted" | wc -l | tr -d ' ')" 0
done

# output faults: exit 74 and a message, whatever the mode
for mode in --syntax-only --mx-only ""; do
	m=${mode:---probe}
	set +e
	$MXPROBE $P $mode -f "$T/w/list.txt" >/dev/full 2>"$T/err"
	rc=$?
	set -e
	check_eq "$m: full disk -> 74" "$rc" 74
	check "$m: full disk said" grep -q 'writing results: No space left on device' "$T/err"

	set +e
	$MXPROBE $P $mode -f "$T/w/list.txt" >&- 2>"$T/err"
	rc=$?
	set -e
	check_eq "$m: closed stdout -> 74" "$rc" 74
	check "$m: closed stdout said" grep -q 'writing results' "$T/err"

	# a reader that went away before the first result: EPIPE
	# (the input comes only once the reader has closed its end)
	rm -f "$T/gone"
	{ wait_file "$T/gone"; cat "$T/w/list.txt"; } |
	    { set +e; $MXPROBE $P $mode 2>"$T/err"; echo $? >"$T/rc"; } |
	    { exec 0<&-; echo gone >"$T/gone"; }
	check_eq "$m: broken pipe -> 74" "$(cat "$T/rc")" 74
	check "$m: broken pipe said" grep -q 'writing results: Broken pipe' "$T/err"
done

# closed stdin and stderr are harmless
set +e
$MXPROBE $P --no-catch-all u0@d0.world.test <&- 2>&- >"$T/out"
rc=$?
set -e
check_eq "closed stdin and stderr: the result still comes" "$(cut -f1-3 "$T/out")" \
    "u0@d0.world.test	deliverable	accepted"

# few descriptors: --concurrency 256 under ulimit -n 64 runs with what fits
set +e
(ulimit -n 64 && exec $MXPROBE $P --concurrency 256 --per-domain 8 -f "$T/w/list.txt") >"$T/out" 2>"$T/err"
rc=$?
set -e
check "ulimit -n 64: warned" grep -q 'warning: open files limit 64: --concurrency 256 lowered to' "$T/err"
check_eq "ulimit -n 64: every input answered" "$(cut -f1 "$T/out" | sort -u | wc -l | tr -d ' ')" "$n"
check "ulimit -n 64: normal exit ($rc)" test "$rc" -le 3
check_eq "ulimit -n 64: no connect failure for lack of descriptors" \
    "$(grep -c 'connect_failed\|internal' "$T/out" || true)" 0

done_testing
