#!/bin/sh
# tests/integration/longrun.sh - long runs over a list: --cache-file (a
# second run within the TTLs asks no server, says "cached"; --cache
# bounds the file), --progress (stderr only, results and exit status
# unchanged, the summary's totals match the output), passes over an
# interleaved regular file (the same results, fewer sessions, every line
# once, --order input kept, SIGTERM mid-pass), the hint for a pipe.
set -eu
. "$TOP/tests/lib/lib.sh"

# the fakes answer at once, but under load a 1 s DNS timeout (lib.sh's
# probe) can pass: a dns_timeout would be asked again by --resume and
# differ between runs, so these runs keep mxprobe's default DNS timeouts
probe() {
	mxp --dns "127.0.0.1:$DNSPORT" --port "${SMTPPORT:-25}" --allow-private "$@"
}

# 120 domains x 10 addresses, interleaved: more than --queue 300 holds
sh "$TOP/tests/lib/gen-world.sh" "$T/w" 120 10 0 nnnncp
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"
L=$T/w/list.txt
n=$(wc -l <"$L" | tr -d ' ')
sort "$L" >"$T/list.sorted"
conns() { grep -c ' c[0-9]* + ' "$TR" || true; }

# ---- --cache-file --------------------------------------------------------
head -200 "$L" >"$T/l200"
: >"$TR"
probe --helo probe.test --cache-file "$T/cache" --cache 1000 -f "$T/l200"
cut -f1-3 "$T/out" | sort >"$T/first"
check "cache file written" test -s "$T/cache"
check_eq "cache file: header" "$(head -1 "$T/cache")" "mxprobe-cache 1"
check_eq "cache file: one entry per address" "$(($(wc -l <"$T/cache") - 1))" 200
: >"$TR"
: >"$QLOG"
probe --helo probe.test --cache-file "$T/cache" --cache 1000 --json -f "$T/l200"
check_eq "second run: no server asked" "$(conns)" 0
check_eq "second run: every result says cached" \
    "$(jq -r .detail "$T/out" | sort -u)" "cached"
jq -r '[.address, .verdict, .reason] | @tsv' "$T/out" | sort >"$T/second"
check_file "second run: the same verdicts" "$T/second" "$T/first"
# a list half in the cache: only the other half asked
head -400 "$L" >"$T/l400"
: >"$TR"
probe --helo probe.test --cache-file "$T/cache" --cache 1000 -f "$T/l400"
check_eq "half cached: 400 results" "$(wc -l <"$T/out" | tr -d ' ')" 400
check_eq "half cached: 200 from the cache" "$(grep -c '	cached' "$T/out")" 200
check_eq "half cached: the cached ones not asked" \
    "$(sed -n 's/.* > RCPT TO:<\([^>]*\)>.*/\1/p' "$TR" | sort -u | comm -12 - "$(cut -f1 "$T/l200" | sort >"$T/l200s"; echo "$T/l200s")" | wc -l | tr -d ' ')" 0
# --cache bounds it; TTL 0 keeps nothing
probe --helo probe.test --cache-file "$T/small" --cache 5 -f "$T/l200"
check_eq "--cache 5: five entries" "$(($(wc -l <"$T/small") - 1))" 5
probe --helo probe.test --cache-file "$T/ttl0" --ttl-positive 0 --ttl-negative 0 \
    --ttl-temp 0 -f "$T/l200"
check_eq "TTLs 0: nothing kept" "$(wc -l <"$T/ttl0" | tr -d ' ')" 1
printf 'not a cache\n' >"$T/bad"
probe --cache-file "$T/bad" -f "$T/l200"
check_eq "a file that is not a cache -> 64" "$rc" 64

# ---- --progress -------------------------------------------------------------
probe --helo probe.test --passes 1 -f "$L"
rc0=$rc
cut -f1-3 "$T/out" | sort >"$T/plain"
probe --helo probe.test --passes 1 --progress=1 -f "$L"
cut -f1-3 "$T/out" | sort >"$T/prog"
check_file "--progress: the same results" "$T/prog" "$T/plain"
check_eq "--progress: the same exit status" "$rc" "$rc0"
check_eq "--progress: nothing on stdout but results" \
    "$(grep -c 'mxprobe' "$T/out" || true)" 0
check_eq "--progress: stderr lines are ours" \
    "$(grep -v '^mxprobe: ' "$T/err" | grep -c . || true)" 0
s=$(grep 'mxprobe: summary: ' "$T/err" || true)
check "--progress: a summary" test -n "$s"
for v in deliverable undeliverable risky unknown; do
	want=$(awk -F'\t' -v v=$v '$2 == v' "$T/out" | wc -l | tr -d ' ')
	got=$(echo "$s" | sed -n "s/.*; $v \([0-9]*\).*/\1/p")
	check_eq "summary: $v total matches the output" "$got" "$want"
done
want=$(awk -F'\t' '$3 == "mailbox_missing"' "$T/out" | wc -l | tr -d ' ')
check "summary: per reason (mailbox_missing $want)" \
    sh -c "echo '$s' | grep -q 'mailbox_missing ${want}[,)]'"
check "summary: total $n" sh -c "echo '$s' | grep -q 'summary: $n results'"
check "summary: sessions and round trips" \
    sh -c "echo '$s' | grep -q 'sessions [1-9][0-9]*, round trips [1-9]'"
probe --helo probe.test -v --syntax-only -f "$L"
check "-v --syntax-only: a summary too" grep -q "summary: $n results.*syntax_ok $n" "$T/err"
mxp --progress=0 a@b.test
check_eq "--progress=0 -> 64" "$rc" 64

# ---- passes over an interleaved regular file ------------------------------
: >"$TR"
probe --helo probe.test --queue 300 --passes 1 -f "$L"
c1=$(conns)
cut -f1-3 "$T/out" | sort >"$T/one"
: >"$TR"
probe --helo probe.test --queue 300 -v -f "$L"
cp "$T/out" "$T/many.out"
c2=$(conns)
cut -f1-3 "$T/out" | sort >"$T/many"
check "passes chosen (-v says how many)" grep -q 'reading it in [0-9]* passes' "$T/err"
check_file "passes: the same results as one pass" "$T/many" "$T/one"
check "passes: fewer sessions ($c2 against $c1)" test "$c2" -lt "$c1"
check "passes: at most 1.25 sessions per domain ($c2 for 120)" test "$c2" -le 150
check_eq "passes: line numbers kept" \
    "$(awk -F'\t' '{ print $1 }' "$T/many.out" | sort | md5sum)" "$(sort "$L" | md5sum)"
probe --helo probe.test --queue 300 --passes 4 --json -f "$L"
check_eq "passes: each result carries its own line number" \
    "$(jq -r '"\(.line) \(.address)"' "$T/out" | sort -n | cut -d' ' -f2 | md5sum)" "$(md5sum <"$L")"
probe --helo probe.test --queue 300 --order input -f "$L"
check_file "--order input: still input order" "$(cut -f1 "$T/out" >"$T/ord"; echo "$T/ord")" "$L"
sort -t@ -k2,2 "$L" >"$T/grouped"
probe --helo probe.test --queue 300 -v -f "$T/grouped"
check_eq "a grouped list: one pass" "$(grep -c 'passes' "$T/err" || true)" 0
# SIGTERM in the middle of a pass: every line still gets one result
$MXPROBE --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private --helo probe.test \
    --queue 100 --passes 5 --concurrency 8 -f "$L" >"$T/out" 2>"$T/err" &
p=$!
while [ ! -s "$T/out" ] && kill -0 $p 2>/dev/null; do sleep 0.01; done
kill -TERM $p 2>/dev/null || true
set +e
wait $p
rc=$?
set -e
check "SIGTERM mid-pass: exit 143 ($rc)" test "$rc" = 143 -o "$rc" -le 3
cut -f1 "$T/out" | sort >"$T/got"
check_file "SIGTERM mid-pass: exactly one result per line" "$T/got" "$T/list.sorted"

# ---- a pipe: a hint when the list interleaves its domains -----------------
mxp_in "$L" --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private --helo probe.test --mx-only
check_eq "--mx-only: no hint" "$(grep -c 'hint' "$T/err" || true)" 0
cut -f1 "$L" | head -600 >"$T/l600"
cat "$T/l600" | { set +e; $MXPROBE --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private --helo probe.test >"$T/out" 2>"$T/err"; set -e; }
check_eq "stdin, interleaved: one hint" "$(grep -c 'hint: the list interleaves' "$T/err")" 1
check_eq "stdin, interleaved: every result" "$(wc -l <"$T/out" | tr -d ' ')" 600
sort -t@ -k2,2 "$T/l600" >"$T/g600"
cat "$T/g600" | { set +e; $MXPROBE --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private --helo probe.test >"$T/out" 2>"$T/err"; set -e; }
check_eq "stdin, grouped: no hint" "$(grep -c 'hint' "$T/err" || true)" 0

done_testing
