#!/bin/sh
# board/fpu-check.sh OBJDUMP BINARY - fail if a MIPS mxprobe could execute
# an FPU instruction.
#
# Why: OpenWrt's MIPS SoCs (24Kc, 74Kc, 1004Kc in ath79/ramips) have no
# FPU, but Debian's MIPS cross gcc is hard-float only, so the static binary
# is hard-float.  That is safe only while no FPU instruction ever runs.  (A
# router kernel may emulate the FPU, slowly; we do not rely on it, and
# qemu -cpu 24Kc, which the tests use, raises SIGILL.)
#
# What we found in the real binary (nm, objdump -d; mipsel and mips, TLS
# on and off):
#   * mxprobe, udns and mbedTLS contain no FPU instruction at all: mxprobe
#     has no float arithmetic, and the mbedTLS configuration has no
#     floating-point code (timing/float self-tests are off).
#   * vfprintf IS linked, although mxprobe itself never calls printf
#     (include/util.h): musl's __assert_fail (called by udns asserts) uses
#     fprintf, musl's inet_ntop uses snprintf, and mbedTLS x509/oid objects
#     reference snprintf.  With vfprintf come musl's float formatting
#     internals, the only functions with FPU instructions:
#       fmt_fp          %a %e %f %g conversions
#       pop_arg         its double / long double cases only (ldc1/sdc1)
#       frexp frexpl    called by fmt_fp only
#     These run only when a format string asks for a float conversion.
#
# So the check is, in this order:
#   1. List every function containing an FPU instruction.  Anything outside
#      the allow-list above fails: that is float code that runs whenever it
#      is called, in mxprobe, a library or musl.
#   2. If an allow-listed function is present (vfprintf is linked), scan the
#      NUL-terminated printable strings of .rodata, where every format
#      string of the binary lives, for a float conversion (%f %e %g %a,
#      with flags, width, precision or length; "%%" is not a conversion).
#      Any match fails, and the strings are printed.  A false positive
#      (binary table bytes that happen to look like "%f\0") is possible and
#      would need a look; a false negative would need a format string built
#      at run time, which nothing in the binary does (the format strings
#      that exist are printed with -v).
#   3. The dynamic check is the test suite itself: make test TARGET=mipsel
#      runs every suite under qemu -cpu 24Kc, where an FPU instruction dies
#      with SIGILL.
#
# Exit 0 clean, 1 FPU use found, 2 usage or tool error.
set -u
verbose=0
if [ "${1:-}" = -v ]; then
	verbose=1
	shift
fi
if [ $# -ne 2 ]; then
	echo "usage: $0 [-v] OBJDUMP BINARY" >&2
	exit 2
fi
objdump=$1
bin=$2
objcopy=$(echo "$objdump" | sed 's/objdump$/objcopy/')
allow=" fmt_fp pop_arg frexp frexpl "
tmp=$(mktemp -d /tmp/mxp-fpu.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT

if ! $objdump -d "$bin" >"$tmp/dis" 2>"$tmp/err"; then
	cat "$tmp/err" >&2
	exit 2
fi
if ! grep -q 'file format elf32-.*mips' "$tmp/dis"; then
	echo "fpu-check: $bin is not a MIPS binary" >&2
	exit 2
fi

# 1. functions with FPU instructions (coprocessor 1 loads/stores/moves,
# FP arithmetic, compares, conversions, FP branches)
awk '
/^[0-9a-f]+ <.*>:$/ { fn = substr($2, 2, length($2) - 3); next }
{
	# objdump: "addr:<TAB>word<TAB>mnemonic<TAB>operands"
	n = split($0, w, "\t")
	if (n < 3) next
	m = w[3]
	if (m ~ /^(lwc1|swc1|ldc1|sdc1|lwxc1|swxc1|ldxc1|sdxc1|luxc1|suxc1|mtc1|mfc1|mthc1|mfhc1|ctc1|cfc1|bc1t|bc1f|bc1tl|bc1fl|bc1any2|bc1any4)$/ ||
	    m ~ /^(cvt|trunc|round|floor|ceil)\./ ||
	    m ~ /^(add|sub|mul|div|abs|neg|mov|movf|movt|movn|movz|sqrt|recip|rsqrt|madd|msub|nmadd|nmsub)\.(s|d|ps)$/ ||
	    m ~ /^c\.[a-z]+\.(s|d|ps)$/) {
		cnt[fn]++
	}
}
END { for (k in cnt) printf "%s %d\n", k, cnt[k] }
' "$tmp/dis" >"$tmp/fpu.u" || exit 2
sort "$tmp/fpu.u" >"$tmp/fpu"

rc=0
allowed=0
while read -r fn n; do
	case $allow in
	*" $fn "*)
		allowed=1
		[ $verbose = 1 ] && echo "fpu-check: $fn: $n FPU instructions (musl float formatting, allowed)"
		;;
	*)
		echo "fpu-check: FAIL: $fn has $n FPU instructions"
		rc=1
		;;
	esac
done <"$tmp/fpu"

# 2. float conversions in the format strings, when vfprintf is linked
if [ $allowed = 1 ]; then
	if ! $objcopy -O binary -j .rodata "$bin" "$tmp/ro" 2>"$tmp/err"; then
		cat "$tmp/err" >&2
		exit 2
	fi
	# C strings: split at NUL, keep the printable tail of each piece (a
	# newline inside a string is mapped to a space first)
	LC_ALL=C tr '\n\000' ' \n' <"$tmp/ro" |
	    LC_ALL=C sed 's/.*[^[:print:]	]//' |
	    LC_ALL=C grep -a '%' >"$tmp/fmt" || true
	LC_ALL=C sed 's/%%//g' "$tmp/fmt" |
	    LC_ALL=C grep -aE "%[-+ #0']*([0-9]+|\*)?(\.([0-9]+|\*)?)?(hh|h|ll|l|L|j|z|t|q)?[aAeEfFgG]" \
	    >"$tmp/float" || true
	if [ -s "$tmp/float" ]; then
		echo "fpu-check: FAIL: vfprintf is linked and these strings ask for float formatting:"
		sed 's/^/    /' "$tmp/float"
		rc=1
	fi
	if [ $verbose = 1 ]; then
		echo "fpu-check: format strings in .rodata:"
		sed 's/^/    /' "$tmp/fmt"
	fi
fi

total=$(wc -l <"$tmp/fpu" | tr -d ' ')
if [ $rc = 0 ]; then
	echo "ok fpu-check $(basename "$(dirname "$bin")"): FPU instructions in $total" \
	    "functions, all musl float formatting; no float format string"
else
	echo "FAIL fpu-check $(basename "$(dirname "$bin")")"
fi
exit $rc
