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
VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"
MXPROBE="$VG --log-file=$T/vg.%p $TOP/build/host/mxprobe"

vgcheck() {	# NAME: exit status below 64 and no valgrind report
	check "$1: exit $rc, no valgrind error" test "$rc" -lt 64
	check_eq "$1: no definite leak, no invalid access" \
	    "$(cat "$T"/vg.* 2>/dev/null | grep -c 'definitely lost\|Invalid \|uninitialised' || true)" 0
	cat "$T"/vg.* 2>/dev/null | head -30
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
