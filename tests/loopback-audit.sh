#!/bin/sh
# tests/loopback-audit.sh VARIANT... - prove that the suites talk only to
# loopback (docs/hacking.md section 8, "Loopback only").
#
# Runs the unit tests and every tests/cli and tests/integration script
# except interop (which makes its own namespaces and is the one suite
# that reaches beyond loopback, into them) for the given built variants
# (tests/run.sh with MXP_SKIP=interop), inside a fresh
# network namespace whose only way off loopback is a veth with a default
# route (IPv4 and IPv6).  An nftables rule records the destination of
# every TCP or UDP packet that leaves by it.  First a positive control:
# one UDP datagram to 192.0.2.53:53 must be recorded, or the watch is
# blind and the audit fails.  Then the suites; then the recorded set must
# be empty.  Root, iproute2, nft and python3 needed.  Not part of
# `make test` (it runs every suite again in its own namespace): run it by
# hand after touching a suite, a fake, or anything that resolves or
# connects, e.g.
#     sh tests/loopback-audit.sh x86_64 host-san
# Exit 0: no packet tried to leave; 1: some did (listed) or a suite
# failed; 77: cannot run here.
set -u
cd "$(dirname "$0")/.." || exit 70
if [ "${1:-}" != --inside ]; then
	[ $# -gt 0 ] || { echo "usage: $0 VARIANT..." >&2; exit 64; }
	[ "$(id -u)" = 0 ] || { echo "SKIP loopback-audit: needs root"; exit 77; }
	for c in unshare ip nft python3; do
		command -v $c >/dev/null 2>&1 ||
		    { echo "SKIP loopback-audit: no $c"; exit 77; }
	done
	exec unshare -n sh tests/loopback-audit.sh --inside "$@"
fi
shift

ip link set lo up
ip link add lw0 type veth peer name lw1 || exit 77
ip addr add 192.0.2.9/24 dev lw0
ip link set lw0 up
ip link set lw1 up
ip route add default via 192.0.2.1
ip -6 addr add 2001:db8::9/64 dev lw0 nodad 2>/dev/null
ip -6 route add default via 2001:db8::1 2>/dev/null
nft -f - <<NFT || exit 77
table inet watch {
	set out4 { type ipv4_addr . inet_proto . inet_service; flags dynamic; }
	set out6 { type ipv6_addr . inet_proto . inet_service; flags dynamic; }
	chain out {
		type filter hook output priority 0;
		oifname "lw0" meta l4proto { tcp, udp } meta nfproto ipv4 add @out4 { ip daddr . meta l4proto . th dport }
		oifname "lw0" meta l4proto { tcp, udp } meta nfproto ipv6 add @out6 { ip6 daddr . meta l4proto . th dport }
	}
}
NFT
elements() {
	nft list set inet watch out4 | sed -n '/elements/,/}/p'
	nft list set inet watch out6 | sed -n '/elements/,/}/p'
}

# positive control: the watch sees a packet that leaves
python3 -c 'import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("192.0.2.53", 53))'
if ! elements | grep -q '192.0.2.53 . udp . 53'; then
	echo "FAIL loopback-audit: the watch did not record the control packet"
	elements
	exit 1
fi
nft flush set inet watch out4
nft flush set inet watch out6
echo "ok loopback-audit: positive control recorded (192.0.2.53 udp 53)"

rc=0
MXP_SKIP=interop sh tests/run.sh "$@" || rc=1
left=$(elements)
if [ -n "$left" ]; then
	echo "FAIL loopback-audit: packets tried to leave loopback:"
	echo "$left"
	exit 1
fi
echo "ok loopback-audit: no TCP or UDP packet left loopback ($*)"
[ $rc = 0 ] || echo "(some suites failed: see their lines above)"
exit $rc
