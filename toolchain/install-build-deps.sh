#!/bin/sh
# toolchain/install-build-deps.sh TARGET: install the Debian packages that
# board/TARGET/board.mk lists in DEB_PACKAGES, plus what fetch.sh and
# build-deps.sh need everywhere. Does nothing if all are installed.
# Runs "apt-get update" at most once, and only when a package has no
# install candidate. Quiet; no questions asked (CI, no stdin). Needs root,
# or passwordless sudo.
set -eu

me=install-build-deps.sh
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

[ $# -eq 1 ] || { echo "usage: $me TARGET" >&2; exit 64; }
board=$top/board/$1/board.mk
[ -r "$board" ] || { echo "$me: no board $1 ($board)" >&2; exit 64; }

# DEB_PACKAGES := a b c   (one line; make syntax, read without make so that
# make itself can be installed by this script)
pkgs=$(sed -n 's/^DEB_PACKAGES[[:space:]]*[:?]*=[[:space:]]*//p' "$board")
# Always needed: fetch.sh (apt-get source, sha256sum, a downloader) and
# build-deps.sh (tar, patch, make; awk and sha256sum are Essential).
pkgs="$pkgs make patch bzip2 xz-utils ca-certificates curl"

missing=
for p in $pkgs; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" = 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo -n"
else
	echo "$me: missing packages:$missing" >&2
	echo "$me: run as root: apt-get install -y$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt="$sudo apt-get -q -y -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=600"

# Update the package lists once, if any missing package has no candidate.
for p in $missing; do
	cand=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^[[:space:]]*Candidate:[[:space:]]*//p')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		echo "$me: apt-get update"
		# shellcheck disable=SC2086
		$apt update </dev/null >/dev/null
		break
	fi
done

echo "$me: installing$missing"
log=${TMPDIR:-/tmp}/install-build-deps.$$.log
# shellcheck disable=SC2086
if ! $apt install --no-install-recommends $missing </dev/null >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	rm -f "$log"
	echo "$me: apt-get install failed" >&2
	exit 1
fi
rm -f "$log"
