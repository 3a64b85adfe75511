# tests/lib/chaos.sh - the chaos run, sourced by tests/integration/chaos.sh
# (CI size) and tests/full/chaos.sh (full size) after tests/lib/lib.sh.
#
# chaos NDOMAINS PER_DOMAIN: a world (tests/lib/gen-world.sh) whose
# domains each draw a kind at random (seed printed; MXP_CHAOS_SEED=N
# repeats a run) from normal, catch-all, greylisting, 421 at the banner,
# blackhole, no PIPELINING, and the faults: drop at a random stage (d),
# RST at RCPT (e, x), slow drip (s), slow host (w), 451 at every RCPT (4),
# 421 mid-session (z).  Checks: exactly one result per input (count and
# identity), each the verdict its host's script implies (gen-world.sh
# gives "a|b" where a race decides: a drop at the banner), exit status 3,
# no crash or sanitizer report, no client protocol violation, no DATA;
# fds open at exit as many as after a one-address run; peak RSS of the
# run no more than 1 MB over a run of a tenth of its input (skipped
# under qemu and ASan: not the real allocator).
# Figures go to stdout as "# chaos: ..." lines (docs/reliability.md).

CHAOS_KINDS=nnnnncgrbpxdesw4z
# chaos_wrong OUT: the results in OUT whose verdict is not the one
# $T/w/expect.txt gives ("a|b": either reason), one line each
chaos_wrong() {
	awk -F'\t' 'NR == FNR { split($0, w, " "); want[w[1]] = w[2] " " w[3]; next }
	    { split(want[$1], e, " "); n = split(e[2], alt, "|"); okr = 0
	      for (i = 1; i <= n; i++) if ($3 == alt[i]) okr = 1
	      if ($2 != e[1] || !okr) print $1 ": got " $2 " " $3 ", want " want[$1] }' \
	    "$T/w/expect.txt" "$1"
}

CHAOS_OPTS="--greylist-delay 2 --banner-timeout 2 --reply-timeout 2 --timeout 8 --concurrency 64 --backoff 0.1"

chaos() {
	_nd=$1
	_per=$2
	_seed=${MXP_CHAOS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
	_replay="MXP_CHAOS_SEED=$_seed MXP_ONLY=chaos${MXP_FULL:+ MXP_FULL=$MXP_FULL} sh tests/run.sh ${MXP_VARIANT:-x86_64}"
	echo "# chaos: seed $_seed (MXP_CHAOS_SEED=$_seed repeats this world; replay: $_replay)"
	sh "$TOP/tests/lib/gen-world.sh" "$T/w" "$_nd" "$_per" 0 "$CHAOS_KINDS" "$_seed"
	start_dns "$T/w/world.zone"
	start_smtp "$T/w/world.smtp"
	_cn=$(wc -l <"$T/w/list.txt" | tr -d ' ')
	echo "# chaos: kinds $(awk '{ print $2, $3 }' "$T/w/expect.txt" | sort | uniq -c | tr -s ' \n' '  ')"

	_rss=0
	[ -z "$MXP_QEMU" ] && [ "$MXP_SAN" = 0 ] && _rss=1
	_t0=$(date +%s)
	if [ $_rss = 1 ]; then
		MXPROBE="$FAKES/peakrss $T/rss.full $MXP_BIN" \
		    MXPROBE_FD_CHECK=1 probe $CHAOS_OPTS -f "$T/w/list.txt"
	else
		MXPROBE_FD_CHECK=1 probe $CHAOS_OPTS -f "$T/w/list.txt"
	fi
	_t1=$(date +%s)
	cp "$T/out" "$T/chaos.out"
	cp "$T/err" "$T/chaos.err"
	echo "# chaos: $_cn inputs over $_nd domains in $((_t1 - _t0)) s, exit $rc"
	check_eq "chaos: exit 3 (some unknown), no crash" "$rc" 3
	check_eq "chaos: no sanitizer report" \
	    "$(grep -c 'Sanitizer\|runtime error' "$T/err" || true)" 0
	check_eq "chaos: $_cn inputs, $_cn results" "$(wc -l <"$T/out" | tr -d ' ')" "$_cn"
	cut -f1 "$T/out" | sort >"$T/got.addr"
	sort "$T/w/list.txt" >"$T/want.addr"
	check_file "chaos: every input exactly once" "$T/got.addr" "$T/want.addr"
	echo "# chaos: $(wc -l <"$T/got.addr" | tr -d ' ') results," \
	    "$(sort -u "$T/got.addr" | wc -l | tr -d ' ') distinct addresses," \
	    "$(comm -23 "$T/want.addr" "$T/got.addr" | wc -l | tr -d ' ') inputs without one," \
	    "$(comm -13 "$T/want.addr" "$T/got.addr" | wc -l | tr -d ' ') not an input"

	# every verdict as the host's script says ("a|b": either reason)
	chaos_wrong "$T/out" >"$T/wrong"
	echo "# chaos: verdicts as the host's script says: $((_cn - $(wc -l <"$T/wrong"))) of $_cn"
	check_eq "chaos: every verdict as the host's script says" \
	    "$(wc -l <"$T/wrong" | tr -d ' ') wrong$(head -5 "$T/wrong" | tr '\n' ';')" "0 wrong"
	echo "# chaos: results $(cut -f2,3 "$T/out" | sort | uniq -c | tr -s ' \t\n' '   ')"

	check_eq "chaos: never DATA" "$(grep -c '! DATA sent' "$TR" || true)" 0
	check_eq "chaos: politeness limits held (tests/lib/politeness.awk)" \
	    "$(awk -v name=chaos -f "$TOP/tests/lib/politeness.awk" "$TR" | head -5)" ""
	check_eq "chaos: no client protocol violation" \
	    "$(grep ' ! ' "$TR" | head -3)" ""

	# descriptors: as many open at exit as after a one-address run
	_fd=$(sed -n 's/^mxprobe: fds open at exit: //p' "$T/chaos.err")
	_one=$(awk '$2 == "deliverable" { print $1; exit }' "$T/w/expect.txt")
	echo "$_one" >"$T/one.txt"	# from a file too: same descriptors
	MXPROBE_FD_CHECK=1 probe $CHAOS_OPTS -f "$T/one.txt"
	_fd1=$(sed -n 's/^mxprobe: fds open at exit: //p' "$T/err")
	echo "# chaos: fds open at exit $_fd (one-address run: $_fd1)"
	check "chaos: fd count printed ($_fd)" test -n "$_fd"
	check_eq "chaos: no fd leaked (open at exit as after one address)" "$_fd" "$_fd1"

	# memory: flat in the number of inputs
	if [ $_rss = 1 ]; then
		_nds=$((_nd / 10))
		awk -v m="$_nds" '{ d = $0; sub(/.*@d/, "", d); sub(/\..*/, "", d)
		    if (d + 0 < m) print }' "$T/w/list.txt" >"$T/small.txt"
		_t0=$(date +%s)
		MXPROBE="$FAKES/peakrss $T/rss.small $MXP_BIN" \
		    probe $CHAOS_OPTS -f "$T/small.txt"
		_t1=$(date +%s)
		_ns=$(wc -l <"$T/small.txt" | tr -d ' ')
		_rs=$(cat "$T/rss.small")
		_rf=$(cat "$T/rss.full")
		# the same addresses alone: as the script says, as in the full run?
		cut -f1-3 "$T/out" | sort >"$T/small.3"
		awk -F'\t' 'NR == FNR { a[$1] = 1; next } $1 in a' \
		    "$T/small.txt" "$T/chaos.out" | cut -f1-3 | sort >"$T/full.3"
		# A figure, not a check: with a tenth of the domains, more of a
		# domain's addresses are in progress at once and batches are
		# fuller; RSET, MAIL and 20 RCPTs from a 400 ms host (kind w)
		# take 8.8 s, past --timeout 8, and the last ones come out
		# "unknown timeout", where gen-world.sh expects w to answer as n.
		chaos_wrong "$T/out" >"$T/wrong.small"
		echo "# chaos: tenth: $_ns inputs in $((_t1 - _t0)) s, exit $rc," \
		    "$(wc -l <"$T/out" | tr -d ' ') results; verdicts as the" \
		    "script says $((_ns - $(wc -l <"$T/wrong.small"))) of $_ns;" \
		    "same verdict and reason as in the full run" \
		    "$(comm -12 "$T/small.3" "$T/full.3" | wc -l | tr -d ' ') of $_ns"
		sed 's/^/# chaos: tenth: /' "$T/wrong.small" | head -5
		echo "# chaos: peak RSS $_rs KiB ($_ns inputs) vs $_rf KiB ($_cn inputs)"
		check "chaos: RSS flat: $_rf KiB for $_cn inputs, $_rs KiB for a tenth" \
		    test "$_rf" -le $((_rs + 1024))
	else
		echo "SKIP chaos: RSS (qemu or ASan: not the real allocator)"
	fi
}
