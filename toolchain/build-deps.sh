#!/bin/sh
# toolchain/build-deps.sh: build musl, udns and mbedTLS for one target into
# $SYSROOT. Normally run by toolchain/deps.mk; see docs/building.md.
#
# Input (environment; the top Makefile exports them from board/$T/board.mk):
#   TARGET         board name, for messages and the stamp
#   SYSROOT        absolute install prefix, e.g. <repo>/build/x86_64/sysroot
#   SRC_CACHE      folder with the verified files of deps.lock (fetch.sh)
#   CROSS_COMPILE  tool prefix, e.g. mipsel-linux-gnu- ; empty for native
#   MUSL_TARGET    musl --target, e.g. mipsel-linux-musl ; EMPTY for native
#                  x86_64 (with --target musl's configure picks Debian's
#                  musl-tools wrapper, musl 1.2.3, and then fails)
#   ARCH_CFLAGS    e.g. -march=mips32r2 -mtune=24kc
#   ARCH_LDFLAGS   only part of the cache key (libraries are not linked here)
#   USE_MUSL       1 (default); 0 = target "host": no musl, udns and mbedTLS
#                  built with $HOST_CC (default gcc) against glibc
#   EXTRA_CFLAGS   added to udns and mbedTLS (not musl), e.g. -fsanitize=...
#   HOST_CC        compiler for USE_MUSL=0 (default gcc)
#   DEPS_WORK, DEPS_LOG  default $(dirname SYSROOT)/deps-work, .../deps.log
#   JOBS           default: nproc
#
# Output: $SYSROOT/{bin/musl-gcc, lib/{libc.a,musl-gcc.specs,libudns.a,
# libmbedtls.a,libmbedx509.a,libmbedcrypto.a}, include/{udns.h,mbedtls,psa}}
# and $SYSROOT/.stamp, whose first line is "key = <sha256>" over the inputs.
# If the stamp matches, nothing is done and the stamp is left alone (so its
# mtime means "libraries changed"); otherwise SYSROOT and the work folder
# are deleted and everything is rebuilt. DEPS_QUIET=1: no "up to date" line.
set -eu

me=build-deps.sh
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

die() { echo "$me: $*" >&2; exit 1; }

: "${TARGET:?TARGET is not set}"
: "${SYSROOT:?SYSROOT is not set}"
case $SYSROOT in /*) ;; *) die "SYSROOT must be absolute: $SYSROOT" ;; esac
cross=${CROSS_COMPILE-}
musl_target=${MUSL_TARGET-}
arch_cflags=${ARCH_CFLAGS-}
arch_ldflags=${ARCH_LDFLAGS-}
use_musl=${USE_MUSL:-1}
extra_cflags=${EXTRA_CFLAGS-}
host_cc=${HOST_CC:-gcc}
src=${SRC_CACHE:-$top/build/src}
outdir=$(dirname "$SYSROOT")
work=${DEPS_WORK:-$outdir/deps-work}
log=${DEPS_LOG:-$outdir/deps.log}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# Be hermetic: nothing from a calling make or the user's shell leaks into
# the sub-builds. MAKEFLAGS would carry command-line overrides such as
# "make CFLAGS=-O0" into musl's and mbedTLS's makefiles.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES GNUMAKEFLAGS MAKELEVEL \
    CROSS_COMPILE CC CPP CXX AR RANLIB LD CFLAGS CPPFLAGS LDFLAGS LIBS \
    DESTDIR PREFIX 2>/dev/null || true

# musl patches taken from Debian's musl_1.2.5-3.1~deb13u1.debian.tar.xz.
# Not taken: static-pie.patch (Debian packaging), renameat2.patch (new API).
musl_patches="CVE-2025-26519-0001_iconv_fix_erroneous_input_validation_in_EUC_KR_decod.patch
CVE-2025-26519-0002_iconv_harden_UTF_8_output_code_path_against_input_de.patch
0001-fix-pathological-slowness-incorrect-mappings-in-icon.patch
0002-qsort-fix-leonardo-heap-corruption-from-bug-in-doubl.patch"

opt_cflags="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"
if [ "$use_musl" = 1 ]; then
	realcc=${cross}gcc
	cc=$SYSROOT/bin/musl-gcc
	lib_cflags="$arch_cflags $opt_cflags $extra_cflags"
else
	realcc=$host_cc
	cc=$host_cc
	# Sanitizer build: debuggable rather than small.
	lib_cflags="$arch_cflags -O1 -g -fno-omit-frame-pointer $extra_cflags"
fi
ar=${cross}ar
command -v "$realcc" >/dev/null 2>&1 || die "$realcc not found (toolchain/install-build-deps.sh $TARGET)"

# lockfile NAME: the file name of deps.lock entry NAME.
lockfile() {
	f=$(awk -v n="$1" '$1 == n { print $4 }' "$here/deps.lock")
	[ -n "$f" ] || die "deps.lock has no entry $1"
	[ -f "$src/$f" ] || die "$src/$f missing: run toolchain/fetch.sh first"
	echo "$src/$f"
}

# ---- cache key ------------------------------------------------------------
patches=
for p in "$here"/patches/mbedtls/*.patch; do
	[ -f "$p" ] && patches="$patches $p"
done
key=$(
	# shellcheck disable=SC2086
	cat "$here/deps.lock" "$here/mbedtls_config.h" "$here/udns-config.h" \
	    "$here/build-deps.sh" $patches
	printf 'TARGET=%s\nCROSS_COMPILE=%s\nMUSL_TARGET=%s\nARCH_CFLAGS=%s\n' \
	    "$TARGET" "$cross" "$musl_target" "$arch_cflags"
	printf 'ARCH_LDFLAGS=%s\nUSE_MUSL=%s\nEXTRA_CFLAGS=%s\nSYSROOT=%s\n' \
	    "$arch_ldflags" "$use_musl" "$extra_cflags" "$SYSROOT"
	"$realcc" --version 2>/dev/null | head -n 1
)
key=$(printf '%s\n' "$key" | sha256sum | cut -d' ' -f1)

# One build per sysroot at a time: a second make (another terminal, make -j
# over several goals) waits here, then finds the stamp current.
mkdir -p "$outdir"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$outdir/.deps.lock"
	if ! flock -n 9; then
		echo "deps[$TARGET]: waiting for another build of $SYSROOT"
		flock 9
	fi
fi

stamp=$SYSROOT/.stamp
if [ -f "$stamp" ] && [ "$(sed -n '1s/^key = //p' "$stamp")" = "$key" ]; then
	# Not touched: make (deps.mk) must not see a change and relink.
	[ "${DEPS_QUIET:-0}" = 1 ] || echo "deps[$TARGET]: up to date ($SYSROOT)"
	exit 0
fi

# ---- helpers ----------------------------------------------------------------
t_all=$(date +%s)
step_name=
step() {
	step_name=$1
	t0=$(date +%s)
	printf '\n=== %s: %s\n' "$TARGET" "$1" >>"$log"
}
done_step() {
	echo "deps[$TARGET]: $step_name $(($(date +%s) - t0)) s"
}
fail() {
	echo "$me: $TARGET: $step_name failed: $*" >&2
	echo "--- last 30 lines of $log:" >&2
	tail -n 30 "$log" >&2
	exit 1
}
# q CMD...: run with output to the log; on failure show the log's tail.
q() {
	echo "+ $*" >>"$log"
	"$@" >>"$log" 2>&1 </dev/null 9>&- || fail "$*"
}

# ---- clean start ------------------------------------------------------------
rm -rf "$SYSROOT" "$work"
mkdir -p "$SYSROOT/lib" "$SYSROOT/include" "$SYSROOT/bin" "$work"
: >"$log"
echo "deps[$TARGET]: building into $SYSROOT (log: $log)"

# ---- musl -------------------------------------------------------------------
if [ "$use_musl" = 1 ]; then
	step "musl 1.2.5"
	q tar -xzf "$(lockfile musl)" -C "$work"
	mkdir -p "$work/musl-debian"
	q tar -xJf "$(lockfile musl-debian)" -C "$work/musl-debian"
	cd "$work/musl-1.2.5"
	for p in $musl_patches; do
		[ -f "$work/musl-debian/debian/patches/$p" ] ||
			fail "Debian patch $p not in the debian.tar.xz"
		q patch -p1 -i "$work/musl-debian/debian/patches/$p"
	done
	if [ -n "$musl_target" ]; then
		q env CROSS_COMPILE="$cross" CC="$realcc" CFLAGS="$arch_cflags" \
		    ./configure --target="$musl_target" --prefix="$SYSROOT" \
		    --syslibdir="$SYSROOT/lib" --disable-shared --enable-wrapper=gcc
	else
		q env CC="$realcc" CFLAGS="$arch_cflags" \
		    ./configure --prefix="$SYSROOT" \
		    --syslibdir="$SYSROOT/lib" --disable-shared --enable-wrapper=gcc
	fi
	q make -j"$jobs"
	q make install
	[ -x "$cc" ] || fail "no $cc after install"
	done_step
fi

# ---- udns (no ./configure) --------------------------------------------------
step "udns 0.4"
q tar -xzf "$(lockfile udns)" -C "$work"
cd "$work/udns-0.4"
cp "$here/udns-config.h" config.h
# musl warns about <sys/poll.h>; <poll.h> is the POSIX name.
sed 's|<sys/poll.h>|<poll.h>|' udns_resolver.c >udns_resolver.c.new
mv udns_resolver.c.new udns_resolver.c
# The library sources, as listed in SRCS of udns's Makefile.in.
cat >Makefile.mxp <<'EOF'
SRCS = udns_dn.c udns_dntosp.c udns_parse.c udns_resolver.c udns_init.c \
	udns_misc.c udns_XtoX.c udns_rr_a.c udns_rr_ptr.c udns_rr_mx.c \
	udns_rr_txt.c udns_bl.c udns_rr_srv.c udns_rr_naptr.c udns_codes.c \
	udns_jran.c
libudns.a: $(SRCS:.c=.o)
	rm -f $@
	$(AR) rcs $@ $(SRCS:.c=.o)
.c.o:
	$(CC) $(CFLAGS) -DHAVE_CONFIG_H -c $< -o $@
EOF
# -DNDEBUG: udns' assert()s are internal consistency checks; musl's
# assert() calls fprintf(), which would link printf and its float
# formatting (FPU instructions on MIPS) into every binary.
q make -f Makefile.mxp -j"$jobs" CC="$cc" AR="$ar" \
    CFLAGS="$lib_cflags -DNDEBUG -Wall"
cp libudns.a "$SYSROOT/lib/"
cp udns.h "$SYSROOT/include/"
done_step

# ---- mbedTLS ----------------------------------------------------------------
step "mbedTLS 3.6.6"
q tar -xjf "$(lockfile mbedtls)" -C "$work"
cd "$work/mbedtls-3.6.6"
for p in $patches; do
	q patch -p1 -i "$p"
done
cp "$here/mbedtls_config.h" include/mbedtls/mbedtls_config.h
# PYTHON/PERL=false: the release tarball ships the generated files; this
# proves nothing is regenerated.
q make -C library -j"$jobs" CC="$cc" AR="$ar" PYTHON=false PERL=false \
    CFLAGS="$lib_cflags" static
cp library/libmbedtls.a library/libmbedx509.a library/libmbedcrypto.a "$SYSROOT/lib/"
cp -R include/mbedtls include/psa "$SYSROOT/include/"
done_step

# ---- stamp ------------------------------------------------------------------
{
	echo "key = $key"
	echo "target = $TARGET"
	echo "compiler = $("$realcc" --version 2>/dev/null | head -n 1)"
	awk '$1 !~ /^#/ && NF >= 5 { print "dep = " $1 " " $2 " " $5 }' "$here/deps.lock"
	echo "patches =$(for p in $patches; do printf ' %s' "$(basename "$p")"; done)"
	echo "built = $(date -u '+%Y-%m-%dT%H:%M:%SZ') in $(($(date +%s) - t_all)) s"
} >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"
echo "deps[$TARGET]: done in $(($(date +%s) - t_all)) s"
