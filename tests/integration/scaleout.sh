#!/bin/sh
# tests/integration/scaleout.sh - the recipe of docs/scale-out.md, for
# real: GNU parallel runs N local workers, each --shard k/N with its own
# --cache-file and --resume file; one is killed (kill -9) mid-run and
# parallel's --retries starts it again, resuming; the union of the
# outputs is exactly one result per input, and a second run of the whole
# recipe is answered from the caches without asking any server.
set -eu
. "$TOP/tests/lib/lib.sh"

if ! command -v parallel >/dev/null 2>&1; then
	echo "SKIP scaleout: GNU parallel not installed (tests/lib/install-test-deps.sh)"
	done_testing
	exit 0
fi

sh "$TOP/tests/lib/gen-world.sh" "$T/w" 30 10 20 nnnncp
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"
L=$T/w/list.txt
sort "$L" >"$T/list.sorted"
N=3
export MXPROBE T L N DNSPORT SMTPPORT

# one worker: mxprobe's pid for the test, its exit status 0 unless mxprobe
# failed (1-3 are verdicts, not failures; a kill is 137: retried)
cat >"$T/worker.sh" <<'EOF'
k=$1
$MXPROBE --dns 127.0.0.1:$DNSPORT --port $SMTPPORT --allow-private \
    --helo probe.test --concurrency 4 \
    --shard $k/$N --cache-file "$T/cache.$k" --cache 1000 \
    --resume "$T/out.$k" -f "$L" >>"$T/out.$k" 2>>"$T/err.$k" &
echo $! >"$T/pid.$k.tmp" && mv "$T/pid.$k.tmp" "$T/pid.$k"
wait $!
rc=$?
[ $rc -le 3 ]
EOF
# the recipe, in the background; parallel restarts a killed worker
parallel --will-cite -j $N --retries 2 "exec sh $T/worker.sh {}" ::: 0 1 2 \
    >"$T/parallel.out" 2>&1 &
pp=$!
bg_pid $pp
# kill worker 1 once it has written some results
while [ "$(cat "$T/out.1" 2>/dev/null | wc -l)" -lt 5 ] && kill -0 $pp 2>/dev/null; do
	sleep 0.01
done
killed=0
if [ -s "$T/pid.1" ] && kill -9 "$(cat "$T/pid.1")" 2>/dev/null; then
	killed=1
fi
# what the killed run answered (the catch-all probes, x...@, aside): in its --resume file, not in its cache
# (saved at the end and every --cache-save seconds)
cp "$T/out.1" "$T/killed.1" 2>/dev/null || : >"$T/killed.1"
set +e
wait $pp
rc=$?
set -e
check_eq "parallel: every worker done (worker 1 killed: $killed)" "$rc" 0
cat "$T"/out.? | cut -f1 | sort >"$T/union"
check_file "union: exactly one result per input" "$T/union" "$T/list.sorted"
for k in 0 1 2; do
	check "worker $k: its cache file" test -s "$T/cache.$k"
done

# the whole recipe again, fresh result files: answered from the caches
rm -f "$T"/out.? "$T"/pid.?
: >"$TR"
parallel --will-cite -j $N "exec sh $T/worker.sh {}" ::: 0 1 2 >"$T/parallel.out" 2>&1
cat "$T"/out.? | cut -f1 | sort >"$T/union"
check_file "second run: one result per input" "$T/union" "$T/list.sorted"
sed -n 's/.* > RCPT TO:<\([^>]*\)>.*/\1/p' "$TR" | grep '^u' | sort -u >"$T/asked"
cut -f1 "$T/killed.1" | sort -u >"$T/k1"
check_eq "second run: only what the killed run answered is asked again" \
    "$(comm -23 "$T/asked" "$T/k1" | wc -l | tr -d ' ')" 0

done_testing
