#!/bin/sh
# tests/interop/run.sh [--cleanup] - mxprobe against real Debian mail and
# DNS servers (Postfix, postgrey, Exim, OpenSMTPD, unbound), each in its own
# network namespace, over the case list tests/interop/cases.txt; then
# `mxprobe serve` as the check_policy_service of a Postfix gateway in front
# of a Postfix backend (the gateway cases at the end).
#
# Needs root.  Every namespace is named mxpi-*; all of them hang off one
# bridge that lives in the namespace mxpi-net, never on the host.  Only
# 198.18.0.0/24 and fd00:18::/64 are used and no namespace has a route
# anywhere else, so no packet can leave the machine.  Each server runs with
# its own configuration under a temporary directory; nothing of the host's
# /etc, services or network is touched, except /etc/netns/mxpi-*/ (the
# per-namespace resolv.conf, passwd and group that `ip netns exec` binds),
# created here and removed on exit.  See docs/interop.md.
#
# Output: "ok CASE" or "FAIL CASE" per check, the servers' own words (swaks
# transcripts) as "# " lines, and "N passed, N failed".  Exit 0 when all
# passed, 1 when some failed, 77 when the suite cannot run here (SKIP line).
# --cleanup removes any mxpi-* namespace, process and file left behind.
set -u
cd "$(dirname "$0")/../.." || exit 70
TOP=$(pwd)
BIN=${MXP_BIN:-$TOP/build/x86_64/mxprobe}
CASES=$TOP/tests/interop/cases.txt
PKG=$TOP/build/interop		# .debs unpacked here (exim, opensmtpd, postfix)
NET4=198.18.0
NET6=fd00:18:
pass=0
fail=0
pf_unpack=0	# 1: postfix runs from its unpacked .deb (below)

skip() {
	echo "SKIP interop: $*"
	exit 77
}

# all mxpi-* namespaces: their processes (all started by this suite) are
# ended by pid, then the namespaces and the /etc/netns files go
cleanup_all() {
	for n in $(ip netns list 2>/dev/null | awk '/^mxpi-/ { print $1 }'); do
		pids=$(ip netns pids "$n" 2>/dev/null)
		# shellcheck disable=SC2086 # a list of pids
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		left=""
		for n in $(ip netns list 2>/dev/null | awk '/^mxpi-/ { print $1 }'); do
			left="$left$(ip netns pids "$n" 2>/dev/null)"
		done
		[ -z "$left" ] && break
		sleep 0.2
	done
	for n in $(ip netns list 2>/dev/null | awk '/^mxpi-/ { print $1 }'); do
		pids=$(ip netns pids "$n" 2>/dev/null)
		# shellcheck disable=SC2086 # a list of pids
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -rf /etc/netns/mxpi-*
}

# one run at a time on this machine, whatever the checkout: the namespace
# names are fixed (the lock under build/ it took serialised one checkout)
. "$TOP/tests/interop/lock.sh"
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
mxpi_lock || skip "another interop run holds $MXPI_LOCK"

if [ "${1:-}" = --cleanup ]; then
	cleanup_all
	rm -rf /tmp/mxpi-run.*
	ip netns list | grep '^mxpi-' && exit 1
	exit 0
fi

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
[ -x "$BIN" ] || skip "$BIN not built"
command -v ip >/dev/null || skip "no iproute2"
ip netns add mxpi-check 2>/dev/null || skip "ip netns add does not work here"
ip netns del mxpi-check

# --- packages -------------------------------------------------------------
# Postfix, postgrey, unbound, swaks, nftables are installed from Debian.
# Exim and OpenSMTPD both conflict with postfix (mail-transport-agent), so
# their packages are only unpacked (dpkg-deb -x) under build/interop/root,
# with their shared libraries installed from Debian as ordinary packages.
# Postfix too when its package cannot be installed beside the system's MTA
# (exim4, Debian's default): see "Postfix unpacked" below.
need=""
for c in postfix:postfix postgrey:postgrey unbound:unbound swaks:swaks \
    nft:nftables openssl:openssl flock:util-linux microsocks:microsocks; do
	command -v "${c%%:*}" >/dev/null || need="$need ${c#*:}"
done
[ -x /usr/lib/postfix/sbin/master ] || need="$need postfix"
perl -MNet::DNS -e 1 2>/dev/null || need="$need libnet-dns-perl"
libs="libdb5.3 libevent-2.1-7 libgnutls-dane0 libgnutls30 libidn12 libidn2-0
    libnsl2 libpcre2-8-0 libpam0g libssl3 libcrypt1 zlib1g"
for l in $libs; do
	dpkg -s "$l" >/dev/null 2>&1 || need="$need $l"
done
if [ -n "$need" ]; then
	echo "# installing:$need"
	mine=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then	# no service may start
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		mine=1
	fi
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
	# --no-remove: postfix conflicts with any other MTA package (exim4,
	# the Debian default); apt-get -y would remove the system's own mail
	# server to make room.  Never: then postfix is run unpacked instead.
	# shellcheck disable=SC2086 # lists of package names
	apt_need() {
		{ LC_ALL=C DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-remove --no-install-recommends $need ||
		  { apt-get update -q && LC_ALL=C DEBIAN_FRONTEND=noninteractive \
		    apt-get install -y -q --no-remove --no-install-recommends \
		    $need; }; } >"$TOP/build/interop-apt.log" 2>&1
	}
	apt_need
	rc=$?
	if [ $rc != 0 ] && grep -q 'Packages need to be removed' \
	    "$TOP/build/interop-apt.log"; then
		case " $need " in
		*" postfix "*)
			pf_unpack=1
			# shellcheck disable=SC2086
			need=$(printf ' %s' $need | sed 's/ postfix\>//g')
			rc=0
			[ -z "$need" ] || { apt_need; rc=$?; } ;;
		esac
	fi
	[ $mine = 1 ] && rm -f /usr/sbin/policy-rc.d
	if [ $rc != 0 ] && grep -q 'Packages need to be removed' \
	    "$TOP/build/interop-apt.log"; then
		skip "installing$need would remove packages (another MTA" \
		    "installed as the system's mail server?): not done"
	fi
	[ $rc = 0 ] || skip "apt-get install$need failed (build/interop-apt.log)"
fi
if [ ! -x "$PKG/root/usr/sbin/exim4" ] || [ ! -x "$PKG/root/usr/sbin/smtpd" ]; then
	mkdir -p "$PKG/deb"
	(cd "$PKG/deb" && rm -f ./*.deb &&
	    apt-get download exim4-daemon-light opensmtpd) \
	    >"$TOP/build/interop-apt.log" 2>&1 ||
	    skip "apt-get download exim4-daemon-light opensmtpd failed"
	for d in "$PKG"/deb/*.deb; do
		dpkg-deb -x "$d" "$PKG/root" || skip "dpkg-deb -x $d failed"
	done
fi
EXIM=$PKG/root/usr/sbin/exim4
SMTPD=$PKG/root/usr/sbin/smtpd
# Postfix unpacked: the postfix package plus those of its library
# dependencies that are not installed, under build/interop/postfix.  Its
# binaries find libpostfix-*.so through RUNPATH /usr/lib/postfix, absent
# here: LD_LIBRARY_PATH, which master(8) passes on to its children only
# when main.cf's import_environment names it (postfix_conf below).
# MXPI_POSTFIX=unpacked takes this path beside an installed postfix too.
pf_why="the package conflicts with the system's MTA"
[ "${MXPI_POSTFIX:-}" = unpacked ] && pf_why="MXPI_POSTFIX=unpacked" &&
    pf_unpack=1
PFROOT=""
POSTFIX=postfix
POSTCONF=postconf
if [ $pf_unpack = 1 ]; then
	PFROOT=$PKG/postfix
	if [ ! -x "$PFROOT/usr/lib/postfix/sbin/master" ]; then
		rm -rf "$PFROOT" "$PKG/pfdeb"
		mkdir -p "$PKG/pfdeb"
		# shellcheck disable=SC2086 # a list of package names
		(cd "$PKG/pfdeb" && apt-get download postfix &&
		    dl="" &&
		    for l in $(dpkg-deb -f postfix_*.deb Depends | tr ',' '\n' |
		        sed 's/^ *//; s/[ |(].*//' | grep '^lib'); do
			dpkg-query -W -f '${Status}' "$l" 2>/dev/null |
			    grep -q ' installed$' || dl="$dl $l"
		    done &&
		    { [ -z "$dl" ] || apt-get download $dl; }) \
		    >"$TOP/build/interop-apt.log" 2>&1 ||
		    skip "apt-get download postfix (and libraries) failed"
		for d in "$PKG"/pfdeb/*.deb; do
			dpkg-deb -x "$d" "$PFROOT" || skip "dpkg-deb -x $d failed"
		done
	fi
	PFLIB=$PFROOT/usr/lib/postfix
	for d in "$PFROOT"/usr/lib/*-linux-gnu*; do
		[ -d "$d" ] && PFLIB=$PFLIB:$d
	done
	POSTFIX="env LD_LIBRARY_PATH=$PFLIB $PFROOT/usr/sbin/postfix"
	POSTCONF="env LD_LIBRARY_PATH=$PFLIB $PFROOT/usr/sbin/postconf"
	echo "# postfix: unpacked under build/interop/postfix" \
	    "($(cd "$PKG/pfdeb" && echo *.deb)): $pf_why"
fi

mkdir -p "$TOP/build/test-logs"

cleanup_all		# leftovers of a killed run
W=$(mktemp -d /tmp/mxpi-run.XXXXXX)
chmod 755 "$W"
bgpids=""
on_exit() {
	# the servers first, each by its own means, so that they reap their
	# children; then whatever is left in the namespaces
	for p in pfx grey tls gw bk; do
		# shellcheck disable=SC2086 # POSTFIX: env VAR=... postfix
		[ -f "$W/$p/data/master.lock" ] &&
		    in_ns $p $POSTFIX -c "$W/$p" stop >/dev/null 2>&1
	done
	# shellcheck disable=SC2086
	[ -n "$bgpids" ] && kill $bgpids 2>/dev/null
	for p in $bgpids; do
		wait "$p" 2>/dev/null
	done
	cleanup_all
	if [ -n "${MXPI_KEEP:-}" ]; then
		echo "# kept $W"
	else
		rm -rf "$W"
	fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() {
	pass=$((pass + 1))
	echo "ok $1"
}
not_ok() {
	fail=$((fail + 1))
	echo "FAIL $1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/    /'
	done
}
die() {
	not_ok "$@"
	echo "$pass passed, $fail failed"
	exit 1
}
in_ns() {	# in_ns NAME COMMAND...: run in namespace mxpi-NAME
	_n=$1
	shift
	ip netns exec "mxpi-$_n" "$@"
}

# --- the network ----------------------------------------------------------
# mxpi-net holds the bridge br0; every other namespace gets a veth pair
# (eth0 inside, v-NAME on the bridge) and NET4.N/24 + NET6:N/64.
ip netns add mxpi-net || die "network" "ip netns add mxpi-net failed"
ip -n mxpi-net link set lo up
ip -n mxpi-net link add br0 type bridge
ip -n mxpi-net link set br0 up
host_ns() {	# host_ns NAME N: namespace mxpi-NAME at NET4.N and NET6:N
	ip netns add "mxpi-$1" &&
	ip -n mxpi-net link add "v-$1" type veth peer name eth0 netns "mxpi-$1" &&
	ip -n mxpi-net link set "v-$1" master br0 up &&
	ip -n "mxpi-$1" link set lo up &&
	ip -n "mxpi-$1" addr add "$NET4.$2/24" dev eth0 &&
	ip -n "mxpi-$1" addr add "$NET6:$2/64" dev eth0 nodad &&
	ip -n "mxpi-$1" link set eth0 up &&
	mkdir -p "/etc/netns/mxpi-$1" &&
	echo "nameserver $NET4.53" >"/etc/netns/mxpi-$1/resolv.conf"
}
host_ns dns 53 && host_ns client 10 && host_ns pfx 25 && host_ns grey 26 &&
    host_ns tls 27 && host_ns exim 28 && host_ns osmtpd 29 &&
    host_ns dead 30 && host_ns drop 31 && host_ns gw 40 && host_ns bk 41 ||
    die "network" "namespace setup failed"
# SOCKS 5 (--proxy): a client whose own port 25 is blocked, two proxies
host_ns fwc 11 && host_ns px1 60 && host_ns px2 61 ||
    die "network" "namespace setup failed (socks)"
in_ns fwc nft -f - <<EOF || die "network" "nft in mxpi-fwc failed"
table inet mxpi {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp dport 25 drop
	}
}
EOF
# the MX of drop.test swallows every packet: a connect() there times out
in_ns drop nft -f - <<EOF || die "network" "nft in mxpi-drop failed"
table inet mxpi {
	chain input {
		type filter hook input priority 0; policy drop;
	}
}
EOF
echo "# network: $(ip netns list | grep -c '^mxpi-') namespaces, bridge in mxpi-net"

# --- DNS: unbound with local zones ----------------------------------------
mkdir -p "$W/dns"
cat >"$W/dns/unbound.conf" <<EOF
server:
	interface: $NET4.53
	interface: $NET6:53
	username: ""
	chroot: ""
	directory: "$W/dns"
	pidfile: "$W/dns/unbound.pid"
	use-syslog: no
	logfile: "$W/dns/unbound.log"
	verbosity: 1
	do-daemonize: no
	module-config: "iterator"
	access-control: 198.18.0.0/15 allow
	access-control: fd00::/8 allow
	do-not-query-localhost: no
	outgoing-interface: 127.0.0.1
	# nothing outside .test is ever looked up
	local-zone: "." refuse
	local-zone: "test." static
	local-data: "test. SOA ns.test. hostmaster.test. 1 3600 600 86400 60"
	local-data: "ns.test. A $NET4.53"
	local-data: "client.test. A $NET4.10"
	local-zone: "0.18.198.in-addr.arpa." static
	local-data-ptr: "$NET4.10 client.test."
	local-data: "pfx.test. MX 10 mx.pfx.test."
	local-data: "mx.pfx.test. A $NET4.25"
	local-data: "catchall.test. MX 10 mx.pfx.test."
	local-data: "many.test. MX 10 mx.pfx.test."
	local-data: "grey.test. MX 10 mx.grey.test."
	local-data: "mx.grey.test. A $NET4.26"
	local-data: "tls.test. MX 10 mx.tls.test."
	local-data: "mx.tls.test. A $NET4.27"
	local-data: "exim.test. MX 10 mx.exim.test."
	local-data: "mx.exim.test. A $NET4.28"
	local-data: "osmtpd.test. MX 10 mx.osmtpd.test."
	local-data: "mx.osmtpd.test. A $NET4.29"
	local-data: "virt.osmtpd.test. MX 10 mx.osmtpd.test."
	local-data: "backup.test. MX 10 mx-dead.backup.test."
	local-data: "backup.test. MX 20 mx.pfx.test."
	local-data: "mx-dead.backup.test. A $NET4.30"
	local-data: "drop.test. MX 10 mx.drop.test."
	local-data: "mx.drop.test. A $NET4.31"
	local-data: "nullmx.test. MX 0 ."
	local-data: "aonly.test. A $NET4.25"
	local-data: "v6.test. MX 10 mx6.v6.test."
	local-data: "mx6.v6.test. AAAA $NET6:25"
	local-data: "gw.test. MX 10 mx.gw.test."
	local-data: "mx.gw.test. A $NET4.40"
	local-data: "backend.gw.test. A $NET4.41"
	local-data-ptr: "$NET4.40 mx.gw.test."
	# SERVFAIL: servfail.test is forwarded to a name server that refuses
	# every query (unbound itself on 127.0.0.1:5399, where 127/8 is
	# refused), so unbound has no usable answer and says SERVFAIL
	interface: 127.0.0.1@5399
	access-control: 127.0.0.0/8 refuse
	local-zone: "servfail.test." transparent
forward-zone:
	name: "servfail.test."
	forward-addr: 127.0.0.1@5399
EOF
in_ns dns unbound -d -c "$W/dns/unbound.conf" >"$W/dns/stderr" 2>&1 &
bgpids="$bgpids $!"

# --- Postfix: three instances ---------------------------------------------
# the users postfix and postdrop: the host's, or (no postfix package was
# ever installed here) ids of the suite's own in the namespaces' passwd
# and group, as for Exim and OpenSMTPD below
PF_UID=postfix
if ! id -u postfix >/dev/null 2>&1 || ! getent group postdrop >/dev/null; then
	PF_UID=60003
	for p in pfx grey tls gw bk; do
		{ grep -v '^postfix:' /etc/passwd
		  echo "postfix:x:60003:60003::/nonexistent:/usr/sbin/nologin"
		} >"/etc/netns/mxpi-$p/passwd"
		{ grep -v '^postfix:\|^postdrop:' /etc/group
		  echo "postfix:x:60003:"; echo "postdrop:x:60004:"
		} >"/etc/netns/mxpi-$p/group"
	done
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mx.tls.test" \
    -keyout "$W/tls.key" -out "$W/tls.crt" >/dev/null 2>&1 ||
    die "setup" "openssl req failed"
# postfix_conf NAME HOSTNAME: a complete main.cf/master.cf in $W/NAME
postfix_conf() {
	d=$W/$1
	mkdir -p "$d/queue" "$d/data" "$d/mail"
	chown "$PF_UID" "$d/data"
	cat >"$d/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
meta_directory = $PFROOT/etc/postfix
daemon_directory = $PFROOT/usr/lib/postfix/sbin
shlib_directory = $PFROOT/usr/lib/postfix
command_directory = $PFROOT/usr/sbin
sendmail_path = $PFROOT/usr/sbin/sendmail
newaliases_path = $PFROOT/usr/bin/newaliases
mailq_path = $PFROOT/usr/bin/mailq
mail_owner = postfix
setgid_group = postdrop
maillog_file = $d/maillog
maillog_file_prefixes = $W
myhostname = $2
mydomain = $2
myorigin = \$myhostname
inet_interfaces = all
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
smtpd_banner = \$myhostname ESMTP Postfix (Debian)
biff = no
alias_maps =
alias_database =
# local delivery only: no relaying, no local(8) users of this host
mydestination =
relay_domains =
local_transport = error:no local delivery here
default_transport = error:this server does not relay
relay_transport = error:this server does not relay
virtual_mailbox_base = $d/mail
virtual_mailbox_maps = texthash:$d/mailboxes
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtpd_relay_restrictions = permit_mynetworks reject_unauth_destination
EOF
	[ -z "$PFROOT" ] || echo "import_environment = MAIL_CONFIG MAIL_DEBUG" \
	    "MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH=$PFLIB" >>"$d/main.cf"
	cat >"$d/master.cf" <<EOF
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}
# plain: pfx.test (+ aonly.test, v6.test), catch-all catchall.test, access
# map replies for full/disabled/blocked
postfix_conf pfx mx.pfx.test
cat >>"$W/pfx/main.cf" <<EOF
virtual_mailbox_domains = pfx.test aonly.test v6.test backup.test many.test
virtual_alias_domains = catchall.test
virtual_alias_maps = texthash:$W/pfx/aliases
smtpd_recipient_restrictions = check_recipient_access texthash:$W/pfx/access,
    reject_unlisted_recipient
EOF
for u in alice bob; do
	for dom in pfx.test aonly.test v6.test backup.test; do
		echo "$u@$dom $dom/$u/"
	done
done >"$W/pfx/mailboxes"
# many.test: 1,000 addresses asked, one third exist (issue 18)
i=0
while [ $i -lt 1000 ]; do
	[ $((i % 3)) = 0 ] && echo "k$i@many.test many.test/k$i/"
	i=$((i + 1))
done >>"$W/pfx/mailboxes"
echo "@catchall.test alice@pfx.test" >"$W/pfx/aliases"
cat >"$W/pfx/access" <<EOF
full@pfx.test 452 4.2.2 Mailbox full
disabled@pfx.test 550 5.2.1 Mailbox disabled, not accepting messages
blocked@pfx.test 554 5.7.1 Access denied by local policy
EOF
# greylisting: postgrey on 127.0.0.1:10023 in the same namespace
postfix_conf grey mx.grey.test
cat >>"$W/grey/main.cf" <<EOF
virtual_mailbox_domains = grey.test
smtpd_recipient_restrictions = reject_unauth_destination,
    reject_unlisted_recipient, check_policy_service inet:127.0.0.1:10023
EOF
printf 'carol@grey.test grey.test/carol/\n' >"$W/grey/mailboxes"
# STARTTLS required before MAIL FROM
postfix_conf tls mx.tls.test
cat >>"$W/tls/main.cf" <<EOF
virtual_mailbox_domains = tls.test
smtpd_tls_security_level = encrypt
smtpd_tls_cert_file = $W/tls.crt
smtpd_tls_key_file = $W/tls.key
smtpd_recipient_restrictions = reject_unlisted_recipient
EOF
printf 'alice@tls.test tls.test/alice/\n' >"$W/tls/mailboxes"
# gateway: relays gw.test to the backend; every recipient is asked of
# `mxprobe serve --backend` over check_policy_service, on the unix socket
# private/mxprobe of its queue directory (docs/serve.md's recipe, with
# --socket-owner postfix: private/ is postfix's own 0700 directory)
postfix_conf gw mx.gw.test
$POSTCONF -c "$W/gw" -e "relay_domains = gw.test" "virtual_mailbox_maps =" \
    "relay_transport = relay:[$NET4.41]:25" \
    "smtpd_recipient_restrictions = reject_unauth_destination,\
 check_policy_service unix:private/mxprobe" \
    "smtpd_policy_service_timeout = 100s" ||
    die "setup" "postconf -c $W/gw failed"
# backend: the mailboxes of gw.test
postfix_conf bk backend.gw.test
cat >>"$W/bk/main.cf" <<EOF
virtual_mailbox_domains = gw.test
smtpd_recipient_restrictions = reject_unlisted_recipient
EOF
printf 'alice@gw.test gw.test/alice/\nbob@gw.test gw.test/bob/\n' \
    >"$W/bk/mailboxes"

mkdir -p "$W/postgrey"
: >"$W/postgrey/empty"
chown postgrey "$W/postgrey"
in_ns grey postgrey --inet=127.0.0.1:10023 --delay=2 --dbdir="$W/postgrey" \
    --pidfile="$W/postgrey/pid" --whitelist-clients="$W/postgrey/empty" \
    --whitelist-recipients="$W/postgrey/empty" >"$W/postgrey/log" 2>&1 &
bgpids="$bgpids $!"
for p in pfx grey tls gw bk; do
	# script(1): postfix says why it fails only on a terminal
	in_ns $p script -qec "$POSTFIX -c $W/$p start" /dev/null \
	    >"$W/$p/start.log" 2>&1 ||
	    die "postfix $p starts" "$(cat "$W/$p/start.log" "$W/$p/maillog" 2>&1)"
done
# mxprobe serve in the gateway's namespace, after Postfix made private/;
# --lines on the namespace's own loopback, for "stats"
POLSOCK=$W/gw/queue/private/mxprobe
SERVE="serve --policy $POLSOCK --socket-owner postfix --backend $NET4.41
    --lines 127.0.0.1:10041 --allow-private --helo mx.gw.test"
# shellcheck disable=SC2086
in_ns gw "$BIN" $SERVE >"$W/gw/serve.log" 2>&1 &
bgpids="$bgpids $!"

# --- Exim (unpacked exim4-daemon-light) -----------------------------------
# run in a private mount namespace whose /etc/passwd and /etc/group (bound
# by ip netns exec from /etc/netns/mxpi-exim) know the Debian-exim user
# compiled into the binary, mapped to the uid of "mail".  A Debian-exim
# of the host's own (exim4 installed as the system's MTA) is left out of
# those files: getpwnam() returned the host's uid, which could not write
# the spool and logs here ("Cannot open main log file ... Permission
# denied").  exim_path: Exim re-executes itself, and /usr/sbin/exim4 is
# the host's exim, if any, with the host's privileges and trusted configs.
mkdir -p "$W/exim/spool" "$W/exim/log" "$W/exim/mail"
mail_uid=$(id -u mail)
mail_gid=$(getent group mail | cut -d: -f3)
chown -R "$mail_uid:$mail_gid" "$W/exim"
{ grep -v '^Debian-exim:' /etc/passwd
  echo "Debian-exim:x:$mail_uid:$mail_gid::/nonexistent:/usr/sbin/nologin"
} >/etc/netns/mxpi-exim/passwd
{ grep -v '^Debian-exim:' /etc/group; echo "Debian-exim:x:$mail_gid:"; } \
    >/etc/netns/mxpi-exim/group
cat >"$W/exim/exim.conf" <<EOF
exim_path = $EXIM
primary_hostname = mx.exim.test
domainlist local_domains = exim.test
spool_directory = $W/exim/spool
log_file_path = $W/exim/log/%slog
pid_file_path = $W/exim/exim.pid
daemon_smtp_ports = 25
local_interfaces = <; $NET4.28 ; $NET6:28
never_users = root
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  deny    !domains = +local_domains
          message = relay not permitted
  require verify = recipient
  accept

begin routers
localuser:
  driver = accept
  domains = +local_domains
  local_parts = alice : bob
  transport = local_file

begin transports
local_file:
  driver = appendfile
  file = $W/exim/mail/\$local_part
  user = mail

begin retry
*   *   F,1h,10m
EOF
chmod 644 "$W/exim/exim.conf"
in_ns exim "$EXIM" -C "$W/exim/exim.conf" -bdf >"$W/exim/stderr" 2>&1 &
bgpids="$bgpids $!"

# --- OpenSMTPD (unpacked opensmtpd) ---------------------------------------
# its spool, chroot and socket paths are compiled in (/var/spool/smtpd,
# /var/lib/opensmtpd/empty, /var/run/smtpd.sock): a private mount
# namespace puts directories of $W over /var/spool, /var/lib and /run
o=$W/osmtpd
mkdir -p "$o/spool" "$o/lib/opensmtpd/empty" "$o/run" "$o/mail"
chmod 711 "$o/spool"
{ cat /etc/passwd
  echo "opensmtpd:x:60001:60001::/var/lib/opensmtpd/empty:/usr/sbin/nologin"
  echo "opensmtpq:x:60002:60002::/var/lib/opensmtpd/empty:/usr/sbin/nologin"
} >/etc/netns/mxpi-osmtpd/passwd
{ cat /etc/group; echo "opensmtpd:x:60001:"; echo "opensmtpq:x:60002:"; } \
    >/etc/netns/mxpi-osmtpd/group
printf 'alice@osmtpd.test mail\nbob@osmtpd.test mail\nalice@virt.osmtpd.test mail\n' >"$o/users"
printf 'alice@osmtpd.test\nbob@osmtpd.test\n' >"$o/rcpts"
cat >"$o/smtpd.conf" <<EOF
table users file:$o/users
table rcpts file:$o/rcpts
listen on eth0 hostname mx.osmtpd.test
action "local" maildir "$o/mail/%{dest.user}" virtual <users>
# osmtpd.test: only listed recipients match, the rest are refused
match from any for domain "osmtpd.test" rcpt-to <rcpts> action "local"
# virt.osmtpd.test: every recipient matches; unknown ones fail in the
# virtual expansion
match from any for domain "virt.osmtpd.test" action "local"
EOF
in_ns osmtpd unshare -m sh -c "mount --bind $o/spool /var/spool &&
    mount --bind $o/lib /var/lib && mount --bind $o/run /run &&
    exec $SMTPD -d -f $o/smtpd.conf" >"$o/log" 2>&1 &
bgpids="$bgpids $!"

# --- wait for every server ------------------------------------------------
listening() {	# listening NS PORT
	in_ns "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q .
}
i=0
while :; do
	missing=""
	in_ns dns ss -Hlun "src $NET4.53:53" | grep -q . || missing="$missing unbound"
	listening pfx 25 || missing="$missing postfix-pfx"
	listening grey 25 || missing="$missing postfix-grey"
	listening grey 10023 || missing="$missing postgrey"
	listening tls 25 || missing="$missing postfix-tls"
	listening exim 25 || missing="$missing exim"
	listening osmtpd 25 || missing="$missing opensmtpd"
	listening gw 25 || missing="$missing postfix-gw"
	listening bk 25 || missing="$missing postfix-backend"
	[ -S "$POLSOCK" ] && listening gw 10041 || missing="$missing mxprobe-serve"
	[ -z "$missing" ] && break
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		die "servers start" "not listening:$missing" \
		    "$(tail -n 5 "$W/dns/unbound.log" "$W/dns/stderr" "$W/postgrey/log" \
		    "$W"/*/maillog "$W/exim/stderr" "$W/exim/log/paniclog" \
		    "$W/osmtpd/log" "$W/gw/serve.log" 2>/dev/null)"
	fi
	sleep 0.1
done
ok "servers up: unbound, postfix x5, postgrey, exim, opensmtpd, mxprobe serve"

# --- mxprobe --------------------------------------------------------------
# the case list without comments: address|expect|opts|swaks|what
grep -v '^#' "$CASES" | grep -v '^[[:space:]]*$' |
    sed 's/[[:space:]]*|[[:space:]]*/|/g; s/[[:space:]]*$//' >"$W/cases"
cut -d'|' -f3 "$W/cases" | sort -u >"$W/optsets"
: >"$W/results"
while IFS= read -r opts; do
	awk -F'|' -v o="$opts" '$3 == o { print $1 }' "$W/cases" >"$W/addrs"
	# shellcheck disable=SC2086
	in_ns client "$BIN" --allow-private --greylist-delay 3 --seed 1 \
	    $opts -f "$W/addrs" >"$W/out" 2>"$W/err"
	echo "# mxprobe --allow-private --greylist-delay 3 --seed 1 $opts:" \
	    "exit $?, $(wc -l <"$W/out") lines"
	sed 's/^/# err: /' "$W/err"
	awk -F'\t' -v o="$opts" '{ print o "|" $0 }' "$W/out" >>"$W/results"
done <"$W/optsets"

while IFS='|' read -r addr want opts srv what; do
	line=$(awk -F'|' -v o="$opts" -v a="$addr" '$1 == o' "$W/results" |
	    cut -d'|' -f2- | awk -F'\t' -v a="$addr" '$1 == a')
	got=$(printf '%s\n' "$line" | awk -F'\t' '{ print $2, $3 }')
	name="$addr${opts:+ ($opts)} -> $want: $what"
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "got:  $got" "want: $want" "line: $line"
	fi
	printf '%s|%s|%s|%s\n' "$addr" "$opts" "$got" \
	    "$(printf '%s\n' "$line" | cut -f4-)" >>"$W/verdicts"
done <"$W/cases"

# the greylisting really happened, and mxprobe asked again
n=$(grep -c 'carol@grey.test.*Greylisted' "$W/grey/maillog")
if [ "$n" -ge 1 ] && grep -q 'carol@grey.test.*' "$W/results"; then
	ok "postfix+postgrey: mxprobe was greylisted ($n times), then accepted"
else
	not_ok "postfix+postgrey: greylisting seen in the server log" \
	    "$(grep -i 'grey\|reject' "$W/grey/maillog" | tail -5)"
fi
# Postfix with its DEFAULT limits (smtpd_soft_error_limit 10, hard 20):
# 1,000 addresses at one domain, two thirds unknown users.  Every one
# right, none rate_limited; never "too many errors"; connections counted.
i=0
while [ $i -lt 1000 ]; do echo "k$i@many.test"; i=$((i + 1)); done >"$W/many.txt"
c0=$(grep -c 'smtpd.*: connect from client.test' "$W/pfx/maillog")
in_ns client "$BIN" --allow-private --seed 1 -f "$W/many.txt" >"$W/many.out" 2>"$W/many.err"
c1=$(grep -c 'smtpd.*: connect from client.test' "$W/pfx/maillog")
okn=$(awk -F'\t' '{ split($1, a, "[k@]")
    want = (a[2] % 3 == 0) ? "deliverable accepted" : "undeliverable mailbox_missing"
    if (($2 " " $3) == want) print }' "$W/many.out" | wc -l | tr -d ' ')
errs=$(grep -c 'too many errors' "$W/pfx/maillog")
echo "# postfix default limits: 1000 addresses at many.test, $((c1 - c0)) connections," \
    "$(grep -c 'reject: RCPT' "$W/pfx/maillog") RCPTs refused in all, $errs 'too many errors'"
echo "# results: $(cut -f2,3 "$W/many.out" | sort | uniq -c | tr -s ' \t\n' '   ')"
if [ "$(wc -l <"$W/many.out")" = 1000 ] && [ "$okn" = 1000 ]; then
	ok "postfix default limits: all 1000 of many.test right ($((c1 - c0)) connections)"
else
	not_ok "postfix default limits: all 1000 of many.test right" \
	    "$okn of $(wc -l <"$W/many.out") right" "$(awk -F'\t' '$3 != "accepted" &&
	    $3 != "mailbox_missing"' "$W/many.out" | head -3)" "$(head -3 "$W/many.err")"
fi
if [ "$errs" = 0 ]; then
	ok "postfix default limits: never 'too many errors' (hard error limit)"
else
	not_ok "postfix default limits: never 'too many errors' (hard error limit)" \
	    "$(grep 'too many errors' "$W/pfx/maillog" | head -3)"
fi

# never DATA: no server may have received a message
if grep -q 'message-id=\|Message-Id\|msgid=' "$W"/*/maillog "$W/exim/log/mainlog" \
    "$o/log" 2>/dev/null; then
	not_ok "no message was ever submitted" "$(grep -h 'message-id' "$W"/*/maillog)"
else
	ok "no message was ever submitted (no DATA)"
fi

# --- swaks: the servers' own words ----------------------------------------
SW=$TOP/build/test-logs/interop-swaks.log
: >"$SW"
while IFS='|' read -r addr want opts srv what; do
	tls=-tlso
	[ "$opts" = "--tls no" ] && tls=""
	from="<>"
	case $addr in *@grey.test) from=swaks@client.test ;; esac	# new triplet
	[ "$srv" = - ] && srv=""
	for s in ${srv:-""}; do
		{
			echo "##### $addr${opts:+ ($opts)}${s:+ via $s}: $what"
			in_ns client perl -MNet::DNS -e '
			    my $r = Net::DNS::Resolver->new(retry => 1);
			    my $p = $r->send($ARGV[0], "MX");
			    print "DNS: MX $ARGV[0]: ", $p ? join(" ", $p->header->rcode,
			        map { $_->string } $p->answer) : $r->errorstring, "\n";
			    ' "${addr#*@}" | tr -s " \t" "  "
			# shellcheck disable=SC2086
			in_ns client swaks --to "$addr" --from "$from" \
			    --helo client.test --quit-after RCPT --timeout 5 \
			    ${s:+--server "$s"} $tls 2>&1
			echo
		} >>"$SW"
	done
done <"$W/cases"
sed 's/^/# /' "$SW"

# --- gateway: Postfix + check_policy_service -> mxprobe serve -> backend --
# swaks to the gateway (gw.test's MX), never past RCPT; each transcript goes
# to the swaks log, the RCPT reply into the table
GWROWS=$W/gwrows
: >"$GWROWS"
gw_swaks() {	# gw_swaks ADDR WHAT: sets $reply (the reply to RCPT)
	{
		echo "##### gateway: $1: $2"
		in_ns client swaks --to "$1" --from swaks@client.test \
		    --helo client.test --quit-after RCPT --timeout 15 2>&1
		echo
	} >"$W/gw/swaks"
	cat "$W/gw/swaks" >>"$SW"
	sed 's/^/# /' "$W/gw/swaks"
	reply=$(awk '/ [-~]> RCPT TO/ { r = 1; next }
	    r && /^<[-~*]+ +[0-9][0-9][0-9] / { sub(/^<[-~*]+ +/, ""); print; exit }' \
	    "$W/gw/swaks")
	[ -n "$reply" ] || reply="(no reply to RCPT: $(grep '^\*\*\*' "$W/gw/swaks" |
	    head -1))"
	printf '| %s | %s | `%s` |\n' "$1" "$2" "$reply" >>"$GWROWS"
}
gw_stat() {	# gw_stat FIELD: a counter of mxprobe serve ("stats" over --lines)
	in_ns gw perl -MIO::Socket::INET -e '
	    alarm 5;
	    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:10041",
	        Timeout => 5) or die "connect: $!\n";
	    print $s "stats\n";
	    my $l = <$s>;
	    print $l if defined $l;' | tr ' ' '\n' | sed -n "s/^$1=//p"
}
bk_rcpts() {	# bk_rcpts ADDR: RCPTs for ADDR the backend logged as rejected
	grep -c "reject: RCPT from .*<$1>" "$W/bk/maillog"
}
gw_log() {	# the logs of the gateway's side, for a FAIL
	tail -n 5 "$W/gw/serve.log" "$W/gw/maillog" "$W/bk/maillog" 2>&1
}

gw_swaks nobody@gw.test "unknown user at the backend"
reject=$reply
if grep -q 'probe nobody@gw.test undeliverable' "$W/gw/serve.log" &&
    expr "$reply" : '5[0-9][0-9] ' >/dev/null; then
	ok "gateway: unknown user rejected at RCPT ($reply)"
else
	not_ok "gateway: unknown user rejected at RCPT: 5xx, mxprobe's verdict" \
	    "got: $reply" "$(gw_log)"
fi

gw_swaks alice@gw.test "known user at the backend"
case $reply in
250\ *) ok "gateway: known user accepted at RCPT ($reply)" ;;
*) not_ok "gateway: known user accepted at RCPT" "got: $reply" "$(gw_log)" ;;
esac

# the same unknown user again: answered from mxprobe's cache, the backend
# is not asked a second time
hits=$(gw_stat cache_hits)
probes=$(gw_stat probes)
gw_swaks nobody@gw.test "unknown user again (mxprobe's cache)"
hits2=$(gw_stat cache_hits)
probes2=$(gw_stat probes)
n=$(bk_rcpts nobody@gw.test)
case $reply in
5[0-9][0-9]\ *)
	if [ "$hits2" = $((hits + 1)) ] && [ "$probes2" = "$probes" ] &&
	    [ "$n" = 1 ]; then
		ok "gateway: repeated unknown user rejected from the cache\
 (cache_hits $hits -> $hits2, probes $probes, backend asked once)"
	else
		not_ok "gateway: repeated unknown user answered from the cache" \
		    "cache_hits $hits -> $hits2, probes $probes -> $probes2" \
		    "backend rejected RCPT <nobody@gw.test> $n times (want 1)"
	fi ;;
*) not_ok "gateway: repeated unknown user rejected at RCPT" "got: $reply" \
    "$(gw_log)" ;;
esac

# the backend down (stopped; nothing listens at .41:25, connections are
# refused): an address not in the cache is deferred, never rejected
# shellcheck disable=SC2086
in_ns bk $POSTFIX -c "$W/bk" stop >/dev/null 2>&1
i=0
while listening bk 25 && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
gw_swaks carol@gw.test "backend down (postfix stop), address not cached"
case $reply in
4[0-9][0-9]\ *)
	if grep -q 'probe carol@gw.test unknown' "$W/gw/serve.log"; then
		ok "gateway: backend down -> deferred at RCPT ($reply)"
	else
		not_ok "gateway: backend down -> deferred by mxprobe" \
		    "got: $reply, but mxprobe logged no unknown verdict" "$(gw_log)"
	fi ;;
*) not_ok "gateway: backend down -> 4xx at RCPT, never 5xx" "got: $reply" \
    "$(gw_log)" ;;
esac
defer=$reply
gw_swaks alice@gw.test "backend down, known user (in mxprobe's cache)"
case $reply in
250\ *) ok "gateway: backend down, cached known user still accepted ($reply)" ;;
*) not_ok "gateway: backend down, cached known user accepted" "got: $reply" \
    "$(gw_log)" ;;
esac
# the codes Postfix gives are mxprobe's own: 550 5.1.1 for an unknown user,
# 450 4.1.1 for a failed probe, and Postfix's "<rcpt>: Recipient address
# rejected: " prefix once (see access(5): "REJECT text" replies with
# access_map_reject_code 554 and 5.7.1 unless the text starts with an
# enhanced status code; "550 5.1.1 text" and "DEFER_IF_PERMIT 4.1.1 text"
# give exactly those codes)
case $reject in
"550 5.1.1 <nobody@gw.test>: Recipient address rejected: undeliverable"*)
	r1=1 ;;
*)	r1=0 ;;
esac
case $defer in
"450 4.1.1 <carol@gw.test>: Recipient address rejected: "*"rejected:"*) r2=0 ;;
"450 4.1.1 <carol@gw.test>: Recipient address rejected: "*) r2=1 ;;
*)	r2=0 ;;
esac
if [ $r1 = 1 ] && [ $r2 = 1 ]; then
	ok "gateway: Postfix replies with mxprobe's codes (550 5.1.1, 450 4.1.1)"
else
	not_ok "gateway: Postfix replies with mxprobe's codes (550 5.1.1, 450 4.1.1)" \
	    "unknown user: $reject" "backend down: $defer" \
	    "Postfix takes \"REJECT 550 5.1.1 text\" as REJECT + free text (554 5.7.1);" \
	    "\"550 5.1.1 text\" and \"DEFER_IF_PERMIT 4.1.1 text\" keep the codes (access(5))"
fi
echo "# mxprobe $(printf "%s" "$SERVE" | tr -s " \n\t" "   "):"
sed 's/^/# serve: /' "$W/gw/serve.log"

# --- SOCKS 5: real proxies for a client that cannot reach port 25 -------
# mxpi-fwc (NET4.11) drops its own TCP to port 25 (nft), as residential
# lines do; microsocks (Debian) in mxpi-px1 (NET4.60, no authentication)
# and mxpi-px2 (NET4.61, user/password) may connect anywhere.  mxprobe
# resolves every domain itself; the proxies only connect.
PXCASES="alice@pfx.test|deliverable accepted
nobody@pfx.test|undeliverable mailbox_missing
someone@catchall.test|risky catch_all
alice@tls.test|deliverable accepted
alice@exim.test|deliverable accepted
nobody@exim.test|undeliverable mailbox_missing
alice@osmtpd.test|deliverable accepted
nobody@osmtpd.test|undeliverable mailbox_missing"
printf '%s\n' "$PXCASES" | cut -d'|' -f1 >"$W/pxaddrs"
# ip netns exec execs microsocks: $! is its pid, for the kill below
ip netns exec mxpi-px1 microsocks -i "$NET4.60" -p 1080 >"$W/px1.log" 2>&1 &
PX1=$!
bgpids="$bgpids $PX1"
ip netns exec mxpi-px2 microsocks -i "$NET4.61" -p 1080 -u probe -P 's3cr:t' \
    >"$W/px2.log" 2>&1 &
bgpids="$bgpids $!"
i=0
while ! listening px1 1080 || ! listening px2 1080; do
	i=$((i + 1))
	[ $i -gt 100 ] && die "socks" "microsocks not listening" \
	    "$(cat "$W/px1.log" "$W/px2.log")"
	sleep 0.1
done
px_run() {	# px_run NAME [options]: mxprobe in mxpi-fwc over pxaddrs
	_pr=$1	# (not _n: in_ns sets that)
	shift
	in_ns fwc "$BIN" --allow-private --seed 1 --connect-timeout 3 "$@" \
	    -f "$W/pxaddrs" >"$W/px-$_pr.out" 2>"$W/px-$_pr.err"
	echo "# mxprobe (mxpi-fwc) $*: exit $?, $(wc -l <"$W/px-$_pr.out") lines"
	sed 's/^/# err: /' "$W/px-$_pr.err"
}
px_got() {	# px_got NAME ADDR: "verdict reason" of ADDR in run NAME
	awk -F'\t' -v a="$2" '$1 == a { print $2, $3 }' "$W/px-$1.out"
}
# without a proxy: nothing gets through (the firewall drops the SYNs:
# timeout; a rejecting firewall would give connect_failed)
px_run direct
while IFS='|' read -r a want; do
	got=$(px_got direct "$a")
	case $got in
	"unknown connect_failed"|"unknown timeout")
		ok "socks: $a without --proxy, port 25 blocked -> $got" ;;
	*)	not_ok "socks: $a without --proxy -> unknown connect_failed" \
		    "got: $got" ;;
	esac
done <<EOF
$PXCASES
EOF
# through microsocks, without and with user/password: the real verdicts
for run in "px1:socks5://$NET4.60:1080" \
    "px2:socks5://probe:s3cr%3At@$NET4.61:1080"; do
	px_run "${run%%:*}" --proxy "${run#*:}"
	while IFS='|' read -r a want; do
		got=$(px_got "${run%%:*}" "$a")
		if [ "$got" = "$want" ]; then
			ok "socks: $a via microsocks (${run%%:*}) -> $want"
		else
			not_ok "socks: $a via microsocks (${run%%:*}) -> $want" \
			    "got: $got" "$(grep "^$a" "$W/px-${run%%:*}.out")"
		fi
	done <<EOF
$PXCASES
EOF
	if grep '^alice@tls.test' "$W/px-${run%%:*}.out" | grep -q 'tls TLSv1'; then
		ok "socks: STARTTLS end to end through microsocks (${run%%:*})"
	else
		not_ok "socks: STARTTLS end to end through microsocks (${run%%:*})" \
		    "$(grep '^alice@tls.test' "$W/px-${run%%:*}.out")"
	fi
done
px_run badpw --proxy "socks5://probe:wrong@$NET4.61:1080"
n=$(awk -F'\t' '$3 == "proxy_failed"' "$W/px-badpw.out" | wc -l)
if [ "$n" -eq "$(wc -l <"$W/pxaddrs")" ]; then
	ok "socks: wrong password -> every address unknown proxy_failed"
else
	not_ok "socks: wrong password -> every address unknown proxy_failed" \
	    "$(cat "$W/px-badpw.out")"
fi
# two proxies, px1 killed once the first result is out: its domains move
# to px2; every address still gets exactly one result, none a wrong one
# (a session cut in flight is unknown; grey.test keeps the run going)
{ cat "$W/pxaddrs"; echo carol@grey.test; } >"$W/pxaddrs2"
in_ns fwc "$BIN" --allow-private --seed 1 --connect-timeout 3 \
    --greylist-delay 3 --proxy "socks5://$NET4.60:1080" \
    --proxy "socks5://probe:s3cr%3At@$NET4.61:1080" -f "$W/pxaddrs2" \
    >"$W/px-two.out" 2>"$W/px-two.err" &
mxp=$!
i=0
while [ ! -s "$W/px-two.out" ] && [ $i -lt 300 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill "$PX1" 2>/dev/null
wait "$mxp"
echo "# mxprobe two proxies, px1 killed after the first result: exit $?"
sed 's/^/# two: /' "$W/px-two.out"
if [ "$(cut -f1 "$W/px-two.out" | sort | uniq -d | wc -l)" -eq 0 ] &&
    [ "$(wc -l <"$W/px-two.out")" -eq "$(wc -l <"$W/pxaddrs2")" ]; then
	ok "socks: px1 killed mid-run: one result per address"
else
	not_ok "socks: px1 killed mid-run: one result per address" \
	    "$(cat "$W/px-two.out")"
fi
bad=""
while IFS='|' read -r a want; do
	got=$(px_got two "$a")
	case $got in
	"$want"|"unknown "*) ;;
	*) bad="$bad $a:$got" ;;
	esac
done <<EOF
$PXCASES
EOF
if [ -z "$bad" ]; then
	ok "socks: px1 killed mid-run: no wrong verdict ($(grep -c 'moved to proxy' "$W/px-two.out") results moved to px2)"
else
	not_ok "socks: px1 killed mid-run: no wrong verdict" "$bad"
fi

# --- a table for docs/interop.md ------------------------------------------
TBL=$TOP/build/test-logs/interop-table.md
{
	echo "| address | mxprobe options | DNS answer (MX) | server's words (swaks) | mxprobe verdict |"
	echo "|---|---|---|---|---|"
	while IFS='|' read -r addr opts got detail; do
		awk -v h="##### $addr${opts:+ ($opts)}" '
		    function flush() {
			if (!on) return
			if (w == "") w = e; if (w == "") w = err
			all = all (all == "" ? "" : "; then ") w
			w = e = err = ""; r = 0 }
		    index($0, "##### ") == 1 { flush()
			on = (index($0, h " ") == 1 || index($0, h ":") == 1); next }
		    !on { next }
		    /^DNS: / && dns == "" { sub(/^DNS: MX [^:]*: /, ""); dns = $0 }
		    / [-~]> RCPT TO/ { r = 1; next }
		    /^<[-~*]+ +[0-9][0-9][0-9] / {
			x = $0; sub(/^<[-~*]+ +/, "", x)
			if (r == 1) { w = x; r = 2 }
			else if ($0 ~ /^<\*\*/ && e == "") { e = x } }
		    /^\*\*\* / && !/STARTTLS/ { x = $0; sub(/^\*\*\* */, "", x)
			sub(/^[ \t]*IO::Socket::INET6: /, "", x); err = err x " " }
		    END { flush(); gsub(/\|/, "\\|", all); printf "%s|%s\n", dns, all }' "$SW" >"$W/row"
		IFS='|' read -r dns words <"$W/row"
		echo "| $addr | ${opts:-} | $dns | $words | $got |"
	done <"$W/verdicts"
	echo
	echo "| address (via mx.gw.test) | case | gateway's reply to RCPT |"
	echo "|---|---|---|"
	cat "$GWROWS"
} >"$TBL"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
