#!/bin/sh
# toolchain/fetch.sh [CACHE_DIR]: put every file of toolchain/deps.lock,
# verified, into CACHE_DIR (default: $SRC_CACHE, else <repo>/build/src).
#
# Sources, first hit wins:
#   1. $DEPS_DIR/<file>                 (offline builds, CI caches)
#   2. Debian source package            (apt-get source --download-only with a
#      private apt config under build/apt; mirror read from the machine's own
#      apt sources, or $MIRROR; the system's apt state is never touched)
#   3. the upstream URL in deps.lock    (curl or wget)
# Every file is checked with sha256sum against deps.lock before it enters the
# cache. A mismatch is a hard error naming the file; the bad file is removed.
# Files already in the cache are only re-verified, never fetched again.
#
# Environment: SRC_CACHE, DEPS_DIR, MIRROR (a Debian mirror URI, overrides the
# one found in /etc/apt), APT_DIR (default <repo>/build/apt), NO_APT=1,
# NO_UPSTREAM=1 (skip a source).
set -eu

me=fetch.sh
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lock=$here/deps.lock
cache=${1:-${SRC_CACHE:-$top/build/src}}
apt_dir=${APT_DIR:-$top/build/apt}

die() { echo "$me: $*" >&2; exit 1; }
say() { echo "$me: $*"; }

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# verify PATH SHA256 SOURCE NAME: return if PATH matches; otherwise remove
# PATH and fail hard, naming the file NAME and where it came from.
verify() {
	got=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$got" != "$2" ]; then
		rm -f "$1"
		die "SHA-256 mismatch for $4 (from $3): expected $2, got $got;" \
		    "bad copy removed"
	fi
}

# accept TMPFILE FILE SHA256 SOURCE: verify a fetched copy, then move it in.
accept() {
	verify "$1" "$3" "$4" "$2"
	mv -f "$1" "$cache/$2"
	say "$2: ok ($4)"
}

# The Debian mirror: $MIRROR, else the first non-security URI of the machine's
# deb822 sources, else of sources.list. Never written into the repository.
find_mirror() {
	if [ -n "${MIRROR:-}" ]; then
		echo "$MIRROR"
		return
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		sed -n 's/^[Uu][Rr][Ii][Ss]:[[:space:]]*//p' "$f" | tr -s '[:blank:]' '\n'
	done | grep -v -e '^$' -e security | grep debian | head -n 1 | grep . && return
	if [ -r /etc/apt/sources.list ]; then
		sed -n 's/^deb\(-src\)\{0,1\}[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\3/p' \
		    /etc/apt/sources.list | grep -v security | grep debian | head -n 1 | grep . && return
	fi
	return 1
}

apt_ready=
apt_opts=
# apt_setup: private sources.list (trixie + bookworm deb-src) and one update.
apt_setup() {
	[ -z "$apt_ready" ] || return "$apt_ready"
	apt_ready=1
	[ "${NO_APT:-0}" = 1 ] && return 1
	command -v apt-get >/dev/null 2>&1 || return 1
	mirror=$(find_mirror) || { say "no Debian mirror in /etc/apt; skipping apt"; return 1; }
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/dl"
	printf 'deb-src %s trixie main\ndeb-src %s bookworm main\n' "$mirror" "$mirror" \
	    > "$apt_dir/sources.list"
	apt_opts="-o Dir::Etc::SourceList=$apt_dir/sources.list
	    -o Dir::Etc::SourceParts=/dev/null
	    -o Dir::State::Lists=$apt_dir/lists
	    -o Dir::Cache=$apt_dir/cache
	    -o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	if ! apt-get -q $apt_opts update </dev/null >"$apt_dir/update.log" 2>&1; then
		say "private apt-get update failed (see $apt_dir/update.log)"
		return 1
	fi
	apt_ready=0
}

# from_apt FILE SHA256 PKG=VER
from_apt() {
	apt_setup || return 1
	# apt-get verifies against the signed Sources index; we verify again.
	# shellcheck disable=SC2086
	(cd "$apt_dir/dl" && apt-get -q $apt_opts source --download-only "$3" </dev/null) \
	    >>"$apt_dir/source.log" 2>&1 || true
	[ -f "$apt_dir/dl/$1" ] || { say "$1: not on the mirror as $3"; return 1; }
	cp "$apt_dir/dl/$1" "$cache/.$1.$$.tmp"
	accept "$cache/.$1.$$.tmp" "$1" "$2" "Debian $3"
}

# from_url FILE SHA256 URL
from_url() {
	[ "${NO_UPSTREAM:-0}" = 1 ] && return 1
	case $3 in http*) ;; *) return 1 ;; esac
	t=$cache/.$1.$$.tmp
	if command -v curl >/dev/null 2>&1; then
		curl </dev/null -fsSL --retry 2 --connect-timeout 20 -o "$t" "$3" 2>/dev/null || { rm -f "$t"; return 1; }
	elif command -v wget >/dev/null 2>&1; then
		wget </dev/null -q -T 20 -O "$t" "$3" || { rm -f "$t"; return 1; }
	else
		return 1
	fi
	accept "$t" "$1" "$2" "$3"
}

[ -r "$lock" ] || die "cannot read $lock"
fail=0
# shellcheck disable=SC2034
while read -r name ver sha file debsrc suite url; do
	case $name in ''|'#'*) continue ;; esac
	[ -n "$url" ] || die "deps.lock: short line for $name"
	if [ -f "$cache/$file" ]; then
		verify "$cache/$file" "$sha" "cache $cache" "$file"
		continue
	fi
	if [ -n "${DEPS_DIR:-}" ] && [ -f "$DEPS_DIR/$file" ]; then
		cp "$DEPS_DIR/$file" "$cache/.$file.$$.tmp"
		accept "$cache/.$file.$$.tmp" "$file" "$sha" "DEPS_DIR $DEPS_DIR"
		continue
	fi
	from_apt "$file" "$sha" "$debsrc" && continue
	from_url "$file" "$sha" "$url" && continue
	echo "$me: cannot obtain $file (tried:${DEPS_DIR:+ DEPS_DIR,}" \
	    "Debian $debsrc (see $apt_dir/*.log), $url)" >&2
	fail=1
done < "$lock"
[ "$fail" = 0 ] || die "missing sources; put them into DEPS_DIR (docs/building.md)"
