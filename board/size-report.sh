#!/bin/sh
# board/size-report.sh BUILDDIR LIBDIR - where the bytes of mxprobe go.
#
# Reads the unstripped BUILDDIR/mxprobe.debug with "nm --size-sort -S" and
# "size", and groups every sized symbol by where it comes from:
#   mxprobe  defined in BUILDDIR/obj/*.o (our own modules)
#   udns     defined in LIBDIR/libudns.a
#   mbedTLS  defined in LIBDIR/libmbed{tls,x509,crypto}.a
#   musl     defined in LIBDIR/libc.a (and libgcc, the compiler's helpers)
# A static name defined in several places (rare: "cleanup", "table") goes
# to the first group in that order.  NM and SIZE name the board's tools.
set -eu
b=$1
lib=$2
NM=${NM:-nm}
SIZE=${SIZE:-size}
dbg=$b/mxprobe.debug
w=$(mktemp -d /tmp/mxp-size.XXXXXX)
trap 'rm -rf "$w"' EXIT

defs() {	# defs GROUP FILE...: "GROUP name" for every defined symbol
	g=$1
	shift
	for f in "$@"; do
		[ -f "$f" ] && $NM --defined-only "$f" 2>/dev/null
	done | awk -v g="$g" 'NF >= 3 { print g, $3 }'
}
{
	defs mxprobe "$b"/obj/*.o
	defs udns "$lib/libudns.a"
	defs mbedTLS "$lib/libmbedtls.a" "$lib/libmbedx509.a" "$lib/libmbedcrypto.a"
	defs musl "$lib/libc.a"
} >"$w/groups"

$NM --size-sort -S "$dbg" | awk 'NF == 4' >"$w/syms"

echo "== $dbg"
$SIZE "$dbg"
echo "stripped: $(wc -c <"$b/mxprobe" | tr -d ' ') bytes ($b/mxprobe)"

awk '
FNR == NR { if (!($2 in grp)) grp[$2] = $1; next }
{
	# hex size: POSIX awk has no strtonum, convert by hand
	sz = 0
	h = tolower($2)
	for (i = 1; i <= length(h); i++)
		sz = sz * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	g = ($4 in grp) ? grp[$4] : "other"
	t = tolower($3)
	kind = (t == "t") ? "code" : (t == "r") ? "rodata" : (t == "b") ? "bss" : "data"
	tot[g] += sz
	k[g, kind] += sz
	n[g]++
	printf "%d %s %s %s\n", sz, g, $3, $4 > "'"$w"'/sized"
}
END {
	printf "\n%-8s %9s %9s %9s %9s %9s %6s\n", "group", "total", "code", "rodata", "data", "bss", "syms"
	split("mxprobe mbedTLS udns musl other", order, " ")
	for (i = 1; i <= 5; i++) {
		g = order[i]
		if (!(g in tot)) continue
		printf "%-8s %9d %9d %9d %9d %9d %6d\n", g, tot[g], k[g, "code"], \
		    k[g, "rodata"], k[g, "data"], k[g, "bss"], n[g]
	}
}
' "$w/groups" "$w/syms"

echo
echo "largest symbols (bytes, group, nm type, name):"
sort -rn "$w/sized" | head -25 | awk '{ printf "  %7d  %-8s %s %s\n", $1, $2, $3, $4 }'
for g in mxprobe mbedTLS udns musl; do
	echo
	echo "largest in $g:"
	awk -v g="$g" '$2 == g' "$w/sized" | sort -rn | head -8 |
	    awk '{ printf "  %7d  %s %s\n", $1, $3, $4 }'
done
