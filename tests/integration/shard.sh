#!/bin/sh
# tests/integration/shard.sh - --shard K/N: N runs, each over the whole
# list, together give exactly the results of one run (same addresses,
# same verdicts), no domain in two shards; and --source.
set -eu
. "$TOP/tests/lib/lib.sh"

sh "$TOP/tests/lib/gen-world.sh" "$T/w" 30 8 0 nnnncp
{ cat "$T/w/list.txt"; echo 'broken@@d1.world.test'; echo 'no-at-sign'; } >"$T/list"
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"

probe --seed 1 -f "$T/list"
cut -f1-3 "$T/out" | sort >"$T/full"
check_eq "full run: one line per input" "$(wc -l <"$T/full")" "$(wc -l <"$T/list")"

# the way a busybox script on N boxes would split it
: >"$T/union"
for k in 0 1 2; do
	probe --seed 1 --shard $k/3 -f "$T/list"
	cut -f1-3 "$T/out" >>"$T/union"
	cut -f1 "$T/out" | sed 's/.*@//' | sort -u >"$T/dom.$k"
	check "shard $k/3 got some addresses" test -s "$T/out"
done
sort "$T/union" >"$T/union.s"
check_file "3 shards together = one full run" "$T/union.s" "$T/full"
check_eq "no domain in two shards" "$(cat "$T"/dom.* | sort | uniq -d | wc -l | tr -d ' ')" 0

# the same with --mx-only and with --syntax-only
for mode in --mx-only --syntax-only; do
	probe $mode -f "$T/list"
	cut -f1-3 "$T/out" | sort >"$T/full"
	: >"$T/union"
	for k in 0 1 2 3; do
		probe $mode --shard $k/4 -f "$T/list"
		cut -f1-3 "$T/out" >>"$T/union"
	done
	sort "$T/union" >"$T/union.s"
	check_file "$mode: 4 shards together = one run" "$T/union.s" "$T/full"
done

for bad in 3/3 x/2 1/0 1 /2 2/; do
	mxp --syntax-only --shard "$bad" a@b.test
	check_eq "--shard $bad -> 64" "$rc" 64
done

# --source: the servers see the chosen local address
: >"$TR"
probe --source 127.0.0.77 u0@d0.world.test
check_eq "--source: answered" "$(result u0@d0.world.test)" "deliverable accepted"
check "--source: connected from it" grep -q ' + 127.0.0.77:' "$TR"
probe --source ::1 u0@d0.world.test
check_eq "--source of the other family: unknown" "$(result u0@d0.world.test)" "unknown connect_failed"
mxp --source nowhere a@b.test
check_eq "--source garbage -> 64" "$rc" 64

done_testing
