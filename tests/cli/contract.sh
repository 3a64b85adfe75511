#!/bin/sh
# tests/cli/contract.sh - the command-line contract of docs/mxprobe.1 with
# --syntax-only: input forms, output formats, one line per input, exit
# statuses, usage errors, hostile input bytes.
set -eu
. "$TOP/tests/lib/lib.sh"

# the acceptance example of the foundation issue
printf 'a@b.example\r\nbad@@x\n' >"$T/in"
mxp_in "$T/in" --syntax-only
check_eq "crlf input: exit 1" "$rc" 1
check_eq "crlf input: two lines" "$(wc -l <"$T/out")" 2
check_eq "crlf input: first deliverable" "$(field 1 1)/$(field 1 2)/$(field 1 3)" \
    "a@b.example/deliverable/syntax_ok"
check_eq "crlf input: second undeliverable" "$(field 2 2)/$(field 2 3)" \
    "undeliverable/syntax"

# golden file: every kind of line of the sample list
mxp --syntax-only -f "$TOP/tests/cli/sample.txt"
check_eq "sample: exit 1" "$rc" 1
check_file "sample: golden output" "$T/out" "$TOP/tests/cli/sample.exp"

# arguments, all valid: exit 0
mxp --syntax-only a@b.example "x y"@c.example
check_eq "args: space outside quotes refused" "$(field 2 3)" syntax
mxp --syntax-only a@b.example c@d.example
check_eq "args: all valid exit 0" "$rc" 0
check_eq "args: two lines" "$(wc -l <"$T/out")" 2

# stdin and -f - are the same
printf 'x@y.example\n' | $MXPROBE --syntax-only -f - >"$T/o2"
check_eq "-f - reads stdin" "$(cut -f2 "$T/o2")" deliverable

# empty input: no lines, exit 0
: >"$T/empty"
mxp_in "$T/empty" --syntax-only
check_eq "empty input: exit 0" "$rc" 0
check_eq "empty input: no output" "$(wc -c <"$T/out")" 0

# hostile bytes: CR, LF, NUL, controls each give one syntax line, escaped
printf 'a\rb@c.example\nnul\000x@c.example\nesc\033@c.example\n\t@c\n' >"$T/in"
mxp_in "$T/in" --syntax-only
check_eq "hostile: four lines" "$(wc -l <"$T/out")" 4
check_eq "hostile: CR refused" "$(field 1 4 | cut -d: -f1)" crlf
check_eq "hostile: CR escaped in output" "$(field 1 1)" 'a\x0db@c.example'
check_eq "hostile: NUL refused" "$(field 2 4 | cut -d: -f1)" nul
check_eq "hostile: NUL escaped" "$(field 2 1)" 'nul\x00x@c.example'
check_eq "hostile: ESC refused" "$(field 3 4 | cut -d: -f1)" ctrl
check_eq "hostile: tab escaped" "$(field 4 1)" '\x09@c'

# an over-long line is reported, not cut silently, and reading goes on
{ head -c 5000 /dev/zero | tr '\0' a; printf '@x.example\nok@x.example\n'; } >"$T/in"
mxp_in "$T/in" --syntax-only
check_eq "long line: two results" "$(wc -l <"$T/out")" 2
check_eq "long line: too_long" "$(field 1 4 | cut -d: -f1)" too_long
check "long line: size in detail" grep -q '5010 bytes' "$T/out"
check_eq "long line: next line fine" "$(field 2 2)" deliverable

# JSON: one valid object per line with the documented fields
mxp --syntax-only --json 'a@b.example' 'bad@' 'x"@y'
check_eq "json: three lines" "$(wc -l <"$T/out")" 3
check "json: every line parses" jq -e . "$T/out"
check_eq "json: fields" "$(head -1 "$T/out" | jq -c 'keys_unsorted')" \
    '["address","verdict","reason","detail","domain","mx","ip","code","ecode","text","catch_all","role","duplicate","tls","tls_note","attempts","elapsed_ms","line","mx_hosts"]'
check_eq "json: verdicts" "$(jq -r .verdict "$T/out" | tr '\n' ' ')" \
    "deliverable undeliverable undeliverable "
check_eq "json: line numbers" "$(jq -r .line "$T/out" | tr '\n' ' ')" "1 2 3 "
printf 'nul\000@x\n\377\376@x\n' >"$T/in"
mxp_in "$T/in" --syntax-only --json
check "json: hostile bytes still valid JSON" jq -e . "$T/out"

# CSV: header then one row per address
mxp --syntax-only --csv 'a@b.example' '"x,y"@b.example'
check_eq "csv: header" "$(head -1 "$T/out")" \
    "address,verdict,reason,detail,domain,mx,ip,code,ecode,text,catch_all,role,tls,attempts,elapsed_ms,line,mx_hosts"
check_eq "csv: rows" "$(wc -l <"$T/out")" 3
check_eq "csv: quoted field" "$(sed -n 3p "$T/out" | cut -c1-18)" '"""x,y""@b.example'

# one result per input line, also for many lines, in both orders
i=0
: >"$T/many"
while [ $i -lt 2000 ]; do
	echo "user$i@d$((i % 7)).example" >>"$T/many"
	i=$((i + 1))
done
echo 'broken@@x' >>"$T/many"
mxp --syntax-only --ring 8 -f "$T/many"
check_eq "many: 2001 results through an 8-slot ring" "$(wc -l <"$T/out")" 2001
check_eq "many: exit 1" "$rc" 1
mxp --syntax-only --order input --ring 3 -f "$T/many"
check_eq "many: input order kept" "$(cut -f1 "$T/out" | cmp - "$T/many" && echo same)" same

# exit statuses for usage errors: 64 and a message naming the option
for bad in "--nosuch" "--ring 0" "--ring 99999999999" "--ring x" \
    "--order sideways" "-f" "--json=1" "-Z" "--seed -1"; do
	# shellcheck disable=SC2086
	mxp --syntax-only $bad a@b.example
	check_eq "usage error: $bad -> 64" "$rc" 64
	check "usage error: $bad has a message" grep -q 'mxprobe: ' "$T/err"
done
mxp --syntax-only -f "$T/many" a@b.example
check_eq "usage error: -f and arguments" "$rc" 64
mxp --syntax-only -f "$T/does-not-exist"
check_eq "missing file: 64" "$rc" 64
check "missing file: says why" grep -q 'does-not-exist' "$T/err"

# an option where it means nothing: 64, a message naming it and the mode
mxp --policy x.sock a@b.example
check_eq "--policy in a check -> 64" "$rc" 64
check "--policy in a check: says where it applies" grep -q \
    -- '--policy applies to serve, not to address checks' "$T/err"
mxp --syntax-only --drain-timeout 5 a@b.example
check_eq "--drain-timeout in a check -> 64" "$rc" 64
check "--drain-timeout in a check: named" grep -q -- '--drain-timeout' "$T/err"
mxp serve --lines "$T/x.sock" --order input
check_eq "--order in serve -> 64" "$rc" 64
check "--order in serve: says where it applies" grep -q \
    -- '--order applies to address checks, not to "mxprobe serve"' "$T/err"
mxp serve --lines "$T/x.sock" --no-retry
check_eq "--no-retry in serve -> 64" "$rc" 64
mxp serve --lines "$T/x.sock" -f "$T/in"
check_eq "-f in serve -> 64" "$rc" 64
check "-f in serve: named" grep -q -- '--file applies to' "$T/err"
if $MXPROBE --version | grep -q "AUDIT=1"; then
	mxp audit --dnsbl zen.example b.example
	check_eq "--dnsbl in audit -> 64" "$rc" 64
	check "--dnsbl in audit: says where it applies" grep -q \
	    -- '--dnsbl applies to selfcheck, not to "mxprobe audit"' "$T/err"
	mxp audit --mx-only b.example
	check_eq "--mx-only in audit -> 64" "$rc" 64
fi
if ! $MXPROBE selfcheck --nosuch 2>&1 | grep -q "no selfcheck"; then
	mxp selfcheck --tls require
	check_eq "--tls in selfcheck -> 64" "$rc" 64
	check "--tls in selfcheck: says where it applies" grep -q -- \
	    '--tls applies to address checks, serve and audit, not to "mxprobe selfcheck"' \
	    "$T/err"
fi
check "no socket made by a refused serve" test ! -e "$T/x.sock"

# --help and --version
mxp --help
check_eq "--help exit 0" "$rc" 0
check "--help lists --syntax-only" grep -q -- '--syntax-only' "$T/out"
check "--help prints the defaults from the table" grep -q \
    -- '--concurrency N .*(default 32)$' "$T/out"
check "--help marks serve options" grep -q -- '--max-clients N .*serve: ' "$T/out"
# the manual page documents every option --help names
for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$T/out" | sort -u); do
	check "mxprobe.1 documents $o" grep -qF -- \
	    "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$TOP/docs/mxprobe.1"
done
mxp --version
check_eq "--version exit 0" "$rc" 0
check "--version names mxprobe" grep -q '^mxprobe [0-9]' "$T/out"
check "--version names udns" grep -q '^udns 0.4' "$T/out"

# a closed stdout is an error, not a silent truncation
awk 'BEGIN { for (i = 0; i < 20000; i++) print "u" i "@x.example" }' >"$T/20k"
set +e
$MXPROBE --syntax-only -f "$T/20k" 2>"$T/err" | head -c 10 >/dev/null
rc=$?
set -e
check "closed stdout: error message" grep -q 'writing results' "$T/err"

# flat memory: a long list costs no more than a short one
if [ -z "$MXP_QEMU" ] && [ "$MXP_SAN" = 0 ]; then
	awk 'BEGIN { for (i = 0; i < 300000; i++) printf "user%d@domain%d.example\n", i, i % 1000 }' >"$T/big"
	# the small run must already cycle through every buffer and ring slot
	head -20000 "$T/big" >"$T/small"
	# the least of three runs each: which pages of the executable the
	# kernel maps around a fault varies by tens of KiB from run to run
	r1=999999 r2=999999
	for _i in 1 2 3; do
		"$FAKES/peakrss" "$T/rss1" "$MXP_BIN" --syntax-only -f "$T/small" >/dev/null
		"$FAKES/peakrss" "$T/rss2" "$MXP_BIN" --syntax-only -f "$T/big" >"$T/bigout"
		[ "$(cat "$T/rss1")" -ge "$r1" ] || r1=$(cat "$T/rss1")
		[ "$(cat "$T/rss2")" -ge "$r2" ] || r2=$(cat "$T/rss2")
	done
	check_eq "flat memory: every line answered" "$(wc -l <"$T/bigout")" 300000
	check "flat memory: RSS ${r1}K -> ${r2}K for 15x the input" \
	    test "$r2" -le $((r1 + 64))
	check "flat memory: under 4 MiB" test "$r2" -lt 4096
else
	echo "SKIP flat memory (not meaningful under qemu or ASan)"
fi

done_testing
