#!/bin/sh
# tests/integration/resume.sh - --resume FILE after kill -9: runs killed
# at random points (seeded: the seed and a replay command are printed),
# then resumed with their output appended to the same file, give exactly
# one result per input address, and no server is asked again about an
# address whose result was in the file.  Also: text, JSON and CSV files,
# a torn last line, retryable unknowns (--resume-keep-unknown),
# interrupted results, FILE as output without O_APPEND, and --shard with
# SIGTERM (only this shard's lines get results).
set -eu
. "$TOP/tests/lib/lib.sh"

# the fakes answer at once, but under load a 1 s DNS timeout (lib.sh's
# probe) can pass: a dns_timeout would be asked again by --resume and
# differ between runs, so these runs keep mxprobe's default DNS timeouts
probe() {
	mxp --dns "127.0.0.1:$DNSPORT" --port "${SMTPPORT:-25}" --allow-private "$@"
}

# 30 domains x 10 addresses, 20 ms per reply: a run takes a while
sh "$TOP/tests/lib/gen-world.sh" "$T/w" 30 10 20 nnnncp
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"
P="--dns 127.0.0.1:$DNSPORT --port $SMTPPORT --allow-private --helo probe.test"
L=$T/w/list.txt
n=$(wc -l <"$L" | tr -d ' ')
sort "$L" >"$T/list.sorted"

# wait_lines FILE N PID: until FILE has N whole lines or PID is gone
wait_lines() {
	while [ "$(wc -l <"$1" | tr -d ' ')" -lt "$2" ] && kill -0 "$3" 2>/dev/null; do
		sleep 0.01
	done
}

# asked_again OUTBEFORE: addresses with a result in OUTBEFORE that the
# transcript shows asked (RCPT TO) since it was truncated
asked_again() {
	sed -n 's/.* > RCPT TO:<\([^>]*\)>.*/\1/p' "$TR" | sort -u >"$T/asked"
	cut -f1 "$1" | sort -u | comm -12 - "$T/asked" | wc -l | tr -d ' '
}

seed=${MXP_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# random seed $seed (replay: MXP_SEED=$seed MXP_ONLY=resume sh tests/run.sh x86_64)"
i=0
while [ $i -lt 4 ]; do
	i=$((i + 1))
	# kill -9 once a random number of results is out, then resume; in
	# odd rounds kill the resumed run too and resume once more
	k=$(awk -v s="$seed" -v i="$i" -v n="$n" 'BEGIN { srand(s + i); printf "%d", 1 + rand() * (n - 2) }')
	rm -f "$T/res"
	: >"$T/res"
	: >"$TR"
	$MXPROBE $P -f "$L" >>"$T/res" 2>"$T/err" &
	p=$!
	wait_lines "$T/res" "$k" $p
	kill -9 $p 2>/dev/null || true
	wait $p 2>/dev/null || true
	runs=1
	[ $((i % 2)) = 1 ] && runs=2
	r=0
	while [ $r -lt $runs ]; do
		r=$((r + 1))
		cp "$T/res" "$T/before"
		: >"$TR"
		if [ $r -lt $runs ]; then
			k2=$(( $(wc -l <"$T/res") + (n - $(wc -l <"$T/res")) / 2 ))
			$MXPROBE $P --resume "$T/res" -f "$L" >>"$T/res" 2>"$T/err" &
			p=$!
			wait_lines "$T/res" "$k2" $p
			kill -9 $p 2>/dev/null || true
			wait $p 2>/dev/null || true
			check_eq "round $i: killed again: nothing asked twice" "$(asked_again "$T/before")" 0
			continue
		fi
		set +e
		$MXPROBE $P --resume "$T/res" -f "$L" >>"$T/res" 2>"$T/err"
		rc=$?
		set -e
		check "round $i (kill after $k): resumed run ends normally ($rc)" test "$rc" -le 3
		check_eq "round $i: nothing asked again that had an answer" "$(asked_again "$T/before")" 0
	done
	cut -f1 "$T/res" | sort >"$T/got"
	check_file "round $i: exactly one result per input address" "$T/got" "$T/list.sorted"
	check_eq "round $i: every line whole (4 fields)" "$(awk -F'\t' 'NF < 4' "$T/res" | wc -l | tr -d ' ')" 0
done

# a torn last line (power cut in the middle of a write): cut, asked again
probe -f "$L"
cp "$T/out" "$T/full"
head -100 "$T/full" >"$T/res"
torn=$(sed -n 101p "$T/full" | cut -f1)
printf '%s\tdeliv' "$torn" >>"$T/res"
: >"$TR"
set +e
$MXPROBE $P --resume "$T/res" -f "$L" >>"$T/res" 2>"$T/err"
set -e
cut -f1 "$T/res" | sort >"$T/got"
check_file "torn last line: one result per address" "$T/got" "$T/list.sorted"
check "torn last line: that address asked again" grep -q "RCPT TO:<$torn>" "$TR"
check_eq "torn last line: no fragment left" "$(grep -c 'deliv$' "$T/res" || true)" 0

# the other formats, detected: half a JSON / CSV file, then resume
for f in json csv; do
	probe --$f -f "$L"
	head -$((n / 2)) "$T/out" >"$T/res.$f"
	cp "$T/res.$f" "$T/before.$f"
	: >"$TR"
	set +e
	$MXPROBE $P --$f --resume "$T/res.$f" -f "$L" >>"$T/res.$f" 2>"$T/err"
	set -e
	if [ $f = json ]; then
		sed 's/^{"address":"\([^"]*\)".*/\1/' "$T/res.$f" | sort >"$T/got"
		sed 's/^{"address":"\([^"]*\)".*/\1/' "$T/before.$f" >"$T/before"
	else
		grep -v '^address,' "$T/res.$f" | cut -d, -f1 | sort >"$T/got"
		grep -v '^address,' "$T/before.$f" | cut -d, -f1 >"$T/before"
		check_eq "csv: one header" "$(grep -c '^address,' "$T/res.$f")" 1
	fi
	check_file "$f: one result per address" "$T/got" "$T/list.sorted"
	check_eq "$f: nothing asked again that had an answer" "$(asked_again "$T/before")" 0
done

# --resume FILE as the output, not appended: refused before it is lost
printf 'u0@d0.world.test\tdeliverable\taccepted\t\n' >"$T/res"
set +e
$MXPROBE $P --resume "$T/res" u0@d0.world.test 1<>"$T/res" 2>"$T/err"
rc=$?
set -e
check_eq "resume file as output without append -> 64" "$rc" 64
check "  said so" grep -q 'append to it' "$T/err"
mxp --resume-keep-unknown a@b.test
check_eq "--resume-keep-unknown alone -> 64" "$rc" 64
mxp --resume "$T" a@b.test
check_eq "--resume of a directory -> 64" "$rc" 64

# retryable unknowns: greylisted (--no-retry) asked again, unless kept
sh "$TOP/tests/lib/gen-world.sh" "$T/g" 4 3 0 gn
cleanup
start_dns "$T/g/world.zone"
start_smtp "$T/g/world.smtp"
P="--dns 127.0.0.1:$DNSPORT --port $SMTPPORT --allow-private --helo probe.test"
probe --no-retry -f "$T/g/list.txt"
cp "$T/out" "$T/g.res"
check "greylisted unknowns in the first run" grep -q 'unknown	greylisted' "$T/g.res"
grey=$(awk -F'\t' '$3 == "greylisted" { print $1; exit }' "$T/g.res")
: >"$TR"
probe --no-retry --resume "$T/g.res" -f "$T/g/list.txt"
check "greylisted: asked again" grep -q "RCPT TO:<$grey>" "$TR"
check_eq "greylisted: only those asked again" "$(wc -l <"$T/out" | tr -d ' ')" \
    "$(grep -c 'greylisted' "$T/g.res")"
: >"$TR"
probe --no-retry --resume "$T/g.res" --resume-keep-unknown -f "$T/g/list.txt"
check_eq "--resume-keep-unknown: nothing asked" "$(grep -c 'RCPT TO' "$TR" || true)" 0
check_eq "--resume-keep-unknown: no result" "$(wc -l <"$T/out" | tr -d ' ')" 0

# interrupted results are always asked again; --shard with SIGTERM gives
# results to this shard's lines only (interrupt() read every line)
sh "$TOP/tests/lib/gen-world.sh" "$T/s" 30 10 30 nnnn
cleanup
start_dns "$T/s/world.zone"
start_smtp "$T/s/world.smtp"
P="--dns 127.0.0.1:$DNSPORT --port $SMTPPORT --allow-private --helo probe.test"
mxp --syntax-only --shard 1/3 -f "$T/s/list.txt"
cut -f1 "$T/out" | sort >"$T/shard1"
: >"$T/res"
$MXPROBE $P --shard 1/3 --concurrency 2 --queue 10 -f "$T/s/list.txt" >>"$T/res" 2>"$T/err" &
p=$!
wait_lines "$T/res" 1 $p
kill -TERM $p 2>/dev/null || true
set +e
wait $p
rc=$?
set -e
check "SIGTERM with --shard: interrupted ($rc)" test "$rc" = 143 -o "$rc" -le 3
cut -f1 "$T/res" | sort >"$T/got"
check_file "SIGTERM with --shard: exactly this shard's lines" "$T/got" "$T/shard1"
ni=$(grep -c 'interrupted' "$T/res" || true)
check "some results interrupted ($ni)" test "$ni" -gt 0 -o "$rc" -le 3
cp "$T/res" "$T/before"
: >"$TR"
set +e
$MXPROBE $P --shard 1/3 --resume "$T/res" -f "$T/s/list.txt" >>"$T/res" 2>"$T/err"
set -e
check_eq "interrupted ones asked again" "$(wc -l <"$T/res" | tr -d ' ')" \
    "$(( $(wc -l <"$T/shard1") + ni ))"
check_eq "the answered ones not" "$(grep -v interrupted "$T/before" >"$T/b2"; asked_again "$T/b2")" 0

done_testing
