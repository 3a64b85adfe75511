#!/bin/sh
# tests/lib/install-test-deps.sh - install what the test suites need from
# Debian's archive, only if something is missing (MXP_FULL=1: also what
# the long suites of make test-full need).  Root with no stdin
# (CI) is fine; without root, say what is missing and go on.
set -eu

need=""
have() { command -v "$1" >/dev/null 2>&1; }
have jq || need="$need jq"
have busybox || need="$need busybox"
have clang || need="$need clang"
[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] ||
	need="$need libclang-rt-14-dev"
have strace || need="$need strace"
have openssl || need="$need openssl"
[ -e /usr/include/openssl/ssl.h ] || need="$need libssl-dev"
have nc || need="$need netcat-openbsd"
have shellcheck || need="$need shellcheck"
# tests/integration/scaleout.sh: the recipe of docs/scale-out.md
have parallel || need="$need parallel"
# the long suites (make test-full: MXP_FULL=1) also run tests/full/valgrind.sh
[ "${MXP_FULL:-0}" = 1 ] && ! have valgrind && need="$need valgrind"

[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-test-deps: missing:$need (not root: install them by hand)" >&2
	exit 0
fi
echo "install-test-deps: installing$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
