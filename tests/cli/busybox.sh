#!/bin/sh
# tests/cli/busybox.sh - the documented shell usage works with BusyBox, the
# shell OpenWrt has: the examples of docs/formats.md (awk -F'\t' filter,
# the while IFS=<TAB> read loop) are extracted from the document and run
# by "busybox sh" (and busybox awk) against --syntax-only and --mx-only
# output (fakedns on loopback); exit statuses are read by busybox sh; JSON
# lines are checked with jq standing in for OpenWrt's jsonfilter (not in
# Debian): one object per line, the fields jsonfilter -e '@.verdict' reads.
set -eu
. "$TOP/tests/lib/lib.sh"

if ! command -v busybox >/dev/null 2>&1; then
	echo "SKIP busybox not installed"
	done_testing
	exit $?
fi
# busybox applets first in PATH: awk, sed, cut, tr, grep in the examples
command mkdir -p "$T/bb"
for a in sh awk sed cut tr grep cat head wc printf; do
	ln -s "$(command -v busybox)" "$T/bb/$a"
done
BBPATH=$T/bb:$PATH

# the sh block after "## Text" in docs/formats.md
awk '/^## Text/ { t = 1 } t && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b' \
    "$TOP/docs/formats.md" >"$T/examples.sh"
check "docs/formats.md: examples found" grep -q 'while IFS=' "$T/examples.sh"
check "docs/formats.md: awk example found" grep -q "awk -F'\\\\t'" "$T/examples.sh"

# bbrun MODE-ARGS...: run the examples under busybox sh with "mxprobe"
# being the binary under test plus MODE-ARGS; output in $T/bb.out
bbrun() {
	printf 'mxprobe() { %s %s "$@"; }\n' "$MXPROBE" "$*" >"$T/run.sh"
	cat "$T/examples.sh" >>"$T/run.sh"
	set +e
	(cd "$T" && PATH=$BBPATH busybox sh "$T/run.sh" >"$T/bb.out" 2>"$T/bb.err")
	bb_rc=$?
	set -e
}

# what the examples must print, computed from mxprobe's output with
# POSIX tools of the host (cut, not read): the awk filter's addresses,
# then one "ADDR is VERDICT (REASON)" line per result
want() {
	cut -f1,2 "$T/out" | awk -F'\t' '$2 == "undeliverable" { print $1 }'
	cut -f1-3 "$T/out" | sed 's/\t/ is /; s/\t/ (/; s/$/)/'
}

# --- --syntax-only --------------------------------------------------------
cat >"$T/list.txt" <<'LIST'
alice@example.com
bad@@example.com
"quoted user"@example.org
no-at-sign
back\slash@example.net
LIST
mxp --syntax-only --order input -f "$T/list.txt"
want >"$T/want"
bbrun --syntax-only --order input
check_eq "syntax-only: examples exit 0" "$bb_rc" 0
check_file "syntax-only: examples under busybox sh" "$T/bb.out" "$T/want"
check "syntax-only: awk filter printed bad@@example.com" \
    grep -qx 'bad@@example.com' "$T/bb.out"
check "syntax-only: read -r kept the backslash" \
    grep -qF 'back\\slash@example.net is' "$T/bb.out"

# exit statuses as a busybox script sees them
cat >"$T/rc.sh" <<SH
m() { $MXPROBE --syntax-only "\$@" >/dev/null; }
m a@b.example; echo "ok=\$?"
m a@b.example bad@@x; echo "bad=\$?"
m --nosuch a@b.example 2>/dev/null; echo "usage=\$?"
if m a@b.example; then echo if-ok; fi
m bad@@x || case \$? in 1) echo case-1 ;; esac
SH
check_eq "exit statuses under busybox sh" \
    "$(PATH=$BBPATH busybox sh "$T/rc.sh" | tr '\n' ' ')" \
    "ok=0 bad=1 usage=64 if-ok case-1 "

# --- --mx-only against fakedns ----------------------------------------------
start_dns "$TOP/tests/scenarios/dns-cases.zone"
MXARGS="--mx-only --order input --dns 127.0.0.1:$DNSPORT --dns-timeout 1 --dns-tries 1 --allow-private"
printf '%s\n' u@two.test u@nothing.test u@servfail.test u@public.test \
    'x@@two.test' >"$T/list.txt"
# shellcheck disable=SC2086 # MXARGS: several words
mxp $MXARGS -f "$T/list.txt"
check_eq "mx-only: exit 3 (worst is unknown)" "$rc" 3
want >"$T/want"
# shellcheck disable=SC2086 # MXARGS: several words
bbrun $MXARGS
check_eq "mx-only: examples exit 0" "$bb_rc" 0
check_file "mx-only: examples under busybox sh" "$T/bb.out" "$T/want"
check "mx-only: undeliverable listed by awk" grep -qx 'u@nothing.test' "$T/bb.out"
check "mx-only: read loop line" grep -qx 'u@two.test is deliverable (mx_ok)' "$T/bb.out"
check "mx-only: a detail with spaces does not leak into the reason" \
    grep -qx 'u@servfail.test is unknown (dns_error)' "$T/bb.out"

# a busybox script acting on the exit status of an mx-only run
cat >"$T/rc.sh" <<SH
$MXPROBE $MXARGS u@two.test >/dev/null; echo "two=\$?"
$MXPROBE $MXARGS u@nothing.test >/dev/null; echo "nothing=\$?"
$MXPROBE $MXARGS u@servfail.test >/dev/null; echo "servfail=\$?"
SH
check_eq "mx-only exit statuses under busybox sh" \
    "$(PATH=$BBPATH busybox sh "$T/rc.sh" | tr '\n' ' ')" \
    "two=0 nothing=1 servfail=3 "

# --- JSON lines (jq in place of jsonfilter) ----------------------------------
# shellcheck disable=SC2086 # MXARGS: several words
mxp $MXARGS --json -f "$T/list.txt"
check_eq "json: one object per line" "$(jq -c . "$T/out" | wc -l | tr -d ' ')" \
    "$(wc -l <"$T/list.txt" | tr -d ' ')"
check_eq "json: @.verdict per line (jsonfilter -e '@.verdict')" \
    "$(jq -r .verdict "$T/out" | sort | tr '\n' ' ')" \
    "deliverable deliverable undeliverable undeliverable unknown "
check_eq "json: deliverable addresses (docs/formats.md jq example)" \
    "$(jq -r 'select(.verdict=="deliverable") | .address' "$T/out" | sort | tr '\n' ' ')" \
    "u@public.test u@two.test "
check_eq "json: mx_hosts of two.test" \
    "$(jq -c 'select(.address=="u@two.test") | [.mx_hosts[].host]' "$T/out")" \
    '["mx1.two.test","mx2.two.test"]'
# the same fields read line by line in busybox sh, as a router script would
cat >"$T/js.sh" <<'SH'
while read -r line; do
	v=$(printf '%s\n' "$line" | jq -r .verdict)
	a=$(printf '%s\n' "$line" | jq -r .address)
	[ "$v" = undeliverable ] && echo "$a"
done
SH
check_eq "json: busybox read loop with a JSON filter" \
    "$(PATH=$BBPATH busybox sh "$T/js.sh" <"$T/out" | sort | tr '\n' ' ')" \
    "u@nothing.test x@@two.test "

done_testing
