#!/bin/sh
# tests/full/valgrind.sh - a plain glibc host build (make TARGET=host ->
# build/host/mxprobe) under valgrind: the smtp cases, a 1,000-address
# world and a short serve session.  No "definitely lost" block and no
# invalid access (--errors-for-leak-kinds=definite --error-exitcode=99);
# the process-lifetime pools may stay "still reachable".
set -eu
. "$TOP/tests/lib/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP valgrind: not installed (apt-get install valgrind)"
	done_testing
	exit 0
fi
(cd "$TOP" && make --no-print-directory TARGET=host) >"$T/build.log" 2>&1 ||
    { not_ok "valgrind: make TARGET=host" "$(tail -20 "$T/build.log")"; done_testing; exit 1; }
# a static binary: valgrind cannot replace malloc, so no leak check, and
# static glibc's start-up gives false "uninitialised" reports
if file "$TOP/build/host/mxprobe" | grep -q 'statically linked'; then
	echo "SKIP valgrind: build/host/mxprobe is statically linked (needs a dynamic host build)"
	done_testing
	exit 0
fi
# not -q: each log ends with its ERROR SUMMARY and LEAK SUMMARY, the figures
VG="valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"
MXPROBE="$VG --log-file=$T/vg.%p $TOP/build/host/mxprobe"

vgcheck() {	# NAME: exit status below 64 and no valgrind report
	check "$1: exit $rc, no valgrind error" test "$rc" -lt 64
	# figures over this step's logs (one per process): errors, bytes lost
	_vg=$(cat "$T"/vg.* 2>/dev/null | awk '
	    { gsub(/,/, "") }
	    /ERROR SUMMARY:/ { p++; e += $4 }
	    /definitely lost:/ { d += $4 }  /indirectly lost:/ { i += $4 }
	    /possibly lost:/ { pl += $4 }  /still reachable:/ { r += $4 }
	    END { printf "%d processes, %d errors, definitely lost %d B, " \
		"indirectly %d B, possibly %d B, still reachable %d B\n",
		p, e, d, i, pl, r }')
	echo "# valgrind: $1: $_vg"
	check "$1: valgrind ran (a log with an ERROR SUMMARY)" \
	    grep -q 'ERROR SUMMARY' "$T"/vg.*
	check_eq "$1: no definite leak, no invalid access" \
	    "$(cat "$T"/vg.* 2>/dev/null | grep -c 'ERROR SUMMARY: [1-9]\|definitely lost: [1-9]\|Invalid \|uninitialised' || true)" 0
	# the loss records and errors, if any (not the summaries)
	cat "$T"/vg.* 2>/dev/null | sed -n '/lost in loss record\|Invalid \|uninitialised\|Syscall param/,/^==[0-9]*== *$/p' |
	    head -60
	rm -f "$T"/vg.*
}

# the smtp cases (tests/scenarios/smtp-cases.*)
start_dns "$TOP/tests/scenarios/smtp-cases.zone"
start_smtp "$TOP/tests/scenarios/smtp-cases.smtp"
# the addresses tests/integration/smtp.sh expects a verdict for
awk '$1 == "expect" { print $2 }' "$TOP/tests/integration/smtp.sh" >"$T/cases"
probe --banner-timeout 2 --reply-timeout 2 --timeout 8 -f "$T/cases"
vgcheck "smtp cases ($(wc -l <"$T/cases" | tr -d ' ') addresses)"
cleanup

# a world: 1,000 addresses over 50 domains
sh "$TOP/tests/lib/gen-world.sh" "$T/w" 50 20
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"
probe --greylist-delay 2 --banner-timeout 2 --concurrency 64 -f "$T/w/list.txt"
vgcheck "world (1000 addresses)"
check_eq "world: 1000 results" "$(wc -l <"$T/out" | tr -d ' ')" 1000

# a short serve session: a few lookups over the line protocol, SIGTERM
start_serve
lines u0@d0.world.test u9@d0.world.test u0@d5.world.test >"$T/lines.out"
kill -TERM "$SERVE_PID"
set +e
wait "$SERVE_PID"
rc=$?
set -e
[ $rc = 143 ] && rc=0
vgcheck "serve"
check_eq "serve: three answers" "$(wc -l <"$T/lines.out" | tr -d ' ')" 3
done_testing
