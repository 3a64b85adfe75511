#!/bin/sh
# tests/cli/interop.sh - the interop suite (tests/interop/run.sh: mxprobe
# against real Postfix, postgrey, Exim, OpenSMTPD and unbound in network
# namespaces) as part of `make test`, for the x86_64 variant only and only
# where network namespaces can be made (root); otherwise one SKIP line.
set -u
if [ "${MXP_VARIANT:-}" != x86_64 ]; then
	echo "SKIP interop: runs for the x86_64 variant only"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP interop: needs root for network namespaces"
	exit 0
fi
# one interop run per machine, the probe namespace below included
. "$TOP/tests/interop/lock.sh"
mxpi_lock || { echo "SKIP interop: $MXPI_LOCK held by another run for an hour"; exit 0; }
if ! ip netns add mxpi-probe 2>/dev/null; then
	echo "SKIP interop: ip netns add does not work here"
	exit 0
fi
ip netns del mxpi-probe
MXP_BIN=${MXP_BIN:-$TOP/build/x86_64/mxprobe} sh "$TOP/tests/interop/run.sh"
rc=$?
[ $rc = 77 ] && exit 0		# its SKIP line is already printed
exit $rc
