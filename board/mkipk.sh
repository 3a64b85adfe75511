#!/bin/sh
# board/mkipk.sh BINARY VERSION ARCH OUTDIR [PACKAGE] - build an OpenWrt
# package by hand, without the SDK: OUTDIR/PACKAGE_VERSION_ARCH.ipk.
#
# The format is what OpenWrt's scripts/ipkg-build writes and opkg reads: a
# gzip'd tar (not ar) of ./debian-binary ("2.0"), ./data.tar.gz and
# ./control.tar.gz, owned by root (numeric 0/0).  control.tar.gz holds
# ./control and ./conffiles; data.tar.gz holds
#   ./usr/sbin/mxprobe   the static binary (stripped)
#   ./etc/init.d/mxprobe  procd init script (board/openwrt/mxprobe/files)
#   ./etc/config/mxprobe  UCI configuration, a conffile (kept on upgrade)
# Depends is empty: the binary is static (musl, mbedTLS, udns inside).
# PACKAGE is mxprobe (default) or mxprobe-nossl for a TLS=0 binary.
# Reproducible: fixed mtimes (SOURCE_DATE_EPOCH or 0), sorted, gzip -n.
set -eu
if [ $# -lt 4 ]; then
	echo "usage: $0 BINARY VERSION ARCH OUTDIR [PACKAGE]" >&2
	exit 64
fi
bin=$1
version=$2
arch=$3
out=$4
pkg=${5:-mxprobe}
here=$(cd "$(dirname "$0")" && pwd)
files=$here/openwrt/mxprobe/files
release=$(sed -n 's/^PKG_RELEASE[ 	]*:*=[ 	]*//p' "$here/openwrt/mxprobe/Makefile")
full=$version-${release:-1}
mtime=${SOURCE_DATE_EPOCH:-0}

[ -f "$bin" ] || { echo "mkipk: $bin not built" >&2; exit 66; }
mkdir -p "$out"
w=$(mktemp -d "${TMPDIR:-/tmp}/mxp-ipk.XXXXXX")
trap 'rm -rf "$w"' EXIT

mkdir -p "$w/data/usr/sbin" "$w/data/etc/init.d" "$w/data/etc/config" \
    "$w/control" "$w/pkg"
cp "$bin" "$w/data/usr/sbin/mxprobe"
cp "$files/mxprobe.init" "$w/data/etc/init.d/mxprobe"
cp "$files/mxprobe.config" "$w/data/etc/config/mxprobe"
chmod 0755 "$w/data/usr/sbin/mxprobe" "$w/data/etc/init.d/mxprobe"
chmod 0644 "$w/data/etc/config/mxprobe"

# Installed-Size in bytes, as ipkg-build computes it (sum of file sizes)
isize=$(find "$w/data" -type f -exec cat {} + | wc -c | tr -d ' ')
case $pkg in
*-nossl) what="without TLS (no STARTTLS)" conflicts=mxprobe ;;
*) what="with STARTTLS (mbedTLS)" conflicts=mxprobe-nossl ;;
esac
cat >"$w/control/control" <<EOF
Package: $pkg
Version: $full
Depends:
Conflicts: $conflicts
Provides: mxprobe
Section: mail
Architecture: $arch
Installed-Size: $isize
Maintainer: mxprobe maintainers <mxprobe@localhost>
Description: SMTP address verifier, $what
 Checks whether mailboxes exist by asking their mail servers (DNS MX,
 SMTP up to RCPT TO, never DATA). One static binary; optional policy
 and lines daemon (mxprobe serve) run by procd.
EOF
printf '/etc/config/mxprobe\n' >"$w/control/conffiles"
printf '2.0\n' >"$w/pkg/debian-binary"

# tar: GNU tar, the same flags as ipkg-build
tgz() {	# tgz DIR OUT: ./ and its contents, sorted, root-owned
	(cd "$1" && tar --format=gnu --numeric-owner --owner=0 --group=0 \
	    --sort=name --mtime="@$mtime" -cf - .) | gzip -n -9 >"$2"
}
tgz "$w/data" "$w/pkg/data.tar.gz"
tgz "$w/control" "$w/pkg/control.tar.gz"
ipk=$out/${pkg}_${full}_$arch.ipk
(cd "$w/pkg" && tar --format=gnu --numeric-owner --owner=0 --group=0 \
    --mtime="@$mtime" -cf - ./debian-binary ./data.tar.gz ./control.tar.gz) |
    gzip -n -9 >"$ipk.tmp"
mv "$ipk.tmp" "$ipk"
echo "$ipk"
