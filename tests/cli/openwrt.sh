#!/bin/sh
# tests/cli/openwrt.sh - the OpenWrt package without the SDK:
#   * the procd init script and the other shipped scripts pass shellcheck
#     as POSIX sh;
#   * the init script, run by busybox sh with stubs for rc.common's
#     config_load/config_get/config_get_bool and procd_*, turns four UCI
#     configurations into the expected "mxprobe serve" command lines, and
#     every option it passes exists in mxprobe --help;
#   * the ipk built from this variant's binary (board/mkipk.sh, as
#     "make ipk") has opkg's layout and control fields.
set -eu
. "$TOP/tests/lib/lib.sh"

PKG=$TOP/board/openwrt/mxprobe
INIT=$PKG/files/mxprobe.init

# --- shellcheck ------------------------------------------------------------
if command -v shellcheck >/dev/null 2>&1; then
	check "shellcheck -s sh: init script" shellcheck -s sh "$INIT"
	check "shellcheck -s sh: board scripts" shellcheck -s sh \
	    "$TOP"/board/*.sh
	check "shellcheck -s sh: these tests" shellcheck -s sh -x \
	    "$TOP/tests/cli/openwrt.sh" "$TOP/tests/cli/busybox.sh" \
	    "$TOP/tests/cli/size.sh"
else
	echo "SKIP shellcheck not installed (apt-get install shellcheck)"
fi
check "init script: rc.common shebang" \
    grep -qx '#!/bin/sh /etc/rc.common' "$INIT"
check "config file: section mxprobe 'main'" \
    grep -qx "config mxprobe 'main'" "$PKG/files/mxprobe.config"

# --- the init script under busybox sh ----------------------------------------
# Stubs: config_load parses a UCI file (config/option lines) from $UCI_DIR
# into CONFIG_<section>_<option>, as /lib/functions.sh does; the procd_*
# stubs write what procd would receive to $OUT, one line per call.
cat >"$T/stubs.sh" <<'STUBS'
config_load() {
	_sec=
	while read -r _kw _name _val; do
		_name=$(echo "$_name" | sed "s/^'\(.*\)'\$/\1/; s/^\"\(.*\)\"\$/\1/")
		_val=$(echo "$_val" | sed "s/^'\(.*\)'\$/\1/; s/^\"\(.*\)\"\$/\1/")
		case $_kw in
		config) _sec=$_val ;;
		option) eval "CONFIG_${_sec}_${_name}=\$_val" ;;
		esac
	done <"$UCI_DIR/$1"
}
config_get() {	# VAR SECTION OPTION [DEFAULT]
	eval "_v=\${CONFIG_$2_$3-}"
	[ -n "$_v" ] || _v=${4-}
	eval "$1=\$_v"
}
config_get_bool() {	# VAR SECTION OPTION [DEFAULT]
	config_get _b "$2" "$3" "${4-}"
	case $_b in
	1|on|true|yes|enabled) _b=1 ;;
	*) _b=0 ;;
	esac
	eval "$1=\$_b"
}
_args() { for _a in "$@"; do printf ' [%s]' "$_a"; done; }
procd_open_instance() { echo "open_instance" >>"$OUT"; }
procd_close_instance() { echo "close_instance" >>"$OUT"; }
procd_set_param() { _p=$1; shift; echo "set $_p$(_args "$@")" >>"$OUT"; }
procd_append_param() { _p=$1; shift; echo "append $_p$(_args "$@")" >>"$OUT"; }
procd_add_reload_trigger() { echo "reload_trigger$(_args "$@")" >>"$OUT"; }
mkdir() { echo "mkdir$(_args "$@")" >>"$OUT"; }
chown() { echo "chown$(_args "$@")" >>"$OUT"; }
chmod() { echo "chmod$(_args "$@")" >>"$OUT"; }
user_exists() { return 1; }
group_exists() { return 1; }
user_add() { echo "user_add$(_args "$@")" >>"$OUT"; }
group_add() { echo "group_add$(_args "$@")" >>"$OUT"; }
STUBS

# run_init NAME: source the init script as rc.common does, call
# start_service and service_triggers; sets $init_rc, leaves $T/NAME.out
run_init() {
	OUT=$T/$1.out
	: >"$OUT"
	set +e
	UCI_DIR=$T/uci-$1 OUT=$OUT busybox sh -c '
		. "$0"
		. "$1"
		start_service
		rc=$?
		service_triggers
		exit $rc' "$T/stubs.sh" "$INIT" 2>"$T/$1.err"
	init_rc=$?
	set -e
}

# cmdline NAME: the command procd would run, "[arg] [arg] ..."
cmdline() {
	sed -n 's/^set command //p; s/^append command //p' "$T/$1.out" |
	    tr '\n' ' ' | sed 's/ $//'
}

uci() {	# uci NAME: the UCI file from stdin
	command mkdir -p "$T/uci-$1"
	cat >"$T/uci-$1/mxprobe"
}

# 1. as shipped: disabled, nothing started
uci shipped <"$PKG/files/mxprobe.config"
run_init shipped
check_eq "init shipped: exit 0" "$init_rc" 0
check_eq "init shipped: disabled, no instance" \
    "$(grep -c open_instance "$T/shipped.out" || true)" 0
check_eq "init shipped: reload trigger" \
    "$(grep reload_trigger "$T/shipped.out")" "reload_trigger [mxprobe]"

# 2. shipped values, enabled: the policy socket
sed "s/option enabled '0'/option enabled '1'/" "$PKG/files/mxprobe.config" |
    uci enabled
run_init enabled
check_eq "init enabled: exit 0" "$init_rc" 0
check_eq "init enabled: command line" "$(cmdline enabled)" \
    "[/usr/sbin/mxprobe] [serve] [--policy] [/var/run/mxprobe/policy.sock] [--concurrency] [8] [--per-domain] [2] [--tls] [try] [--cache] [1024] [--user] [mxprobe]"
check_eq "init enabled: the dedicated user made" \
    "$(grep '_add' "$T/enabled.out" | tr '\n' ' ')" \
    "group_add [mxprobe] [373] user_add [mxprobe] [373] [373] [mxprobe] [/var/empty] [/bin/false] "
check_eq "init enabled: socket folder made" \
    "$(grep '^mkdir' "$T/enabled.out")" "mkdir [-p] [/var/run/mxprobe]"
check "init enabled: respawn" grep -qx 'set respawn' "$T/enabled.out"
check "init enabled: stdout to logd" grep -qx 'set stdout \[1\]' "$T/enabled.out"
check "init enabled: stderr to logd" grep -qx 'set stderr \[1\]' "$T/enabled.out"
check_eq "init enabled: one instance, closed" \
    "$(grep -c '_instance$' "$T/enabled.out")" 2

# 3. everything set: lines socket on loopback, a backend, booleans as words
uci full <<'UCI'
config mxprobe 'main'
	option enabled 'yes'
	option policy ''
	option lines '127.0.0.1:8025'
	option backend 'mail.lan:2525'
	option concurrency '4'
	option per_domain '1'
	option tls 'no'
	option cache_size '256'
	option helo 'gw.example.net'
	option from "probe@example.net"
	option allow_private 'on'
	option cache_file '/var/lib/mxprobe/cache'
	option user 'mxp'
UCI
run_init full
check_eq "init full: exit 0" "$init_rc" 0
check_eq "init full: command line" "$(cmdline full)" \
    "[/usr/sbin/mxprobe] [serve] [--lines] [127.0.0.1:8025] [--backend] [mail.lan:2525] [--concurrency] [4] [--per-domain] [1] [--tls] [no] [--cache] [256] [--helo] [gw.example.net] [--from] [probe@example.net] [--cache-file] [/var/lib/mxprobe/cache] [--user] [mxp] [--allow-private]"
check_eq "init full: only the cache folder made (no socket folder)" \
    "$(grep '^mkdir\|^ch' "$T/full.out" | tr '\n' ' ')" \
    "mkdir [-p] [/var/lib/mxprobe] chown [mxp] [/var/lib/mxprobe] chmod [700] [/var/lib/mxprobe] "

# 3b. a cache file straight in /tmp: refused (the folder would be given away)
sed "s|option cache_file '/var/lib/mxprobe/cache'|option cache_file '/tmp/mxprobe.cache'|" \
    "$T/uci-full/mxprobe" | uci tmpcache
run_init tmpcache
check_eq "init cache in /tmp: exit 1" "$init_rc" 1
check "init cache in /tmp: says why" grep -q 'folder of its own' "$T/tmpcache.err"
check_eq "init cache in /tmp: no chown" "$(grep -c '^chown' "$T/tmpcache.out" || true)" 0

# 4. minimal: both sockets, everything else left to mxprobe's defaults
uci minimal <<'UCI'
config mxprobe 'main'
	option enabled '1'
	option policy '/var/run/mxprobe/policy.sock'
	option lines '/var/run/mxprobe/lines.sock'
	option allow_private '0'
UCI
run_init minimal
check_eq "init minimal: command line" "$(cmdline minimal)" \
    "[/usr/sbin/mxprobe] [serve] [--policy] [/var/run/mxprobe/policy.sock] [--lines] [/var/run/mxprobe/lines.sock]"

# 5. enabled without any socket: refused with a message, nothing started
uci nosock <<'UCI'
config mxprobe 'main'
	option enabled '1'
	option concurrency '4'
UCI
run_init nosock
check_eq "init no socket: exit 1" "$init_rc" 1
check "init no socket: says why" grep -q 'neither policy nor lines' "$T/nosock.err"
check_eq "init no socket: no instance" \
    "$(grep -c open_instance "$T/nosock.out" || true)" 0

# 6. SOCKS 5 proxies: a space-separated list and a file
uci proxy <<'UCI'
config mxprobe 'main'
	option enabled '1'
	option policy '127.0.0.1:10040'
	option proxy 'socks5://10.0.0.1:1080 socks5://[2001:db8::1]:1081'
	option proxy_file '/etc/mxprobe.proxies'
UCI
run_init proxy
check_eq "init proxy: command line" "$(cmdline proxy)" \
    "[/usr/sbin/mxprobe] [serve] [--policy] [127.0.0.1:10040] [--proxy-file] [/etc/mxprobe.proxies] [--proxy] [socks5://10.0.0.1:1080] [--proxy] [socks5://[2001:db8::1]:1081]"

# every option the init script can pass is one mxprobe knows
mxp --help
for o in $(cat "$T"/*.out | grep -o '\[--[a-z-]*\]' | tr -d '[]' | sort -u); do
	check "init option $o is in mxprobe --help" grep -q -- "$o " "$T/out"
	# and applies to serve (stopped before starting: --nosuch)
	$MXPROBE serve "$o" 1 --nosuch >/dev/null 2>"$T/mode.err" || true
	check "init option $o applies to serve" \
	    sh -c "! grep -q 'applies to' '$T/mode.err'"
done
check "mxprobe knows the serve subcommand" grep -q 'mxprobe serve' "$T/out"

# --- the ipk -----------------------------------------------------------------
case $MXP_VARIANT in
*-san | host*)
	echo "SKIP ipk: $MXP_VARIANT is not a shipped binary"
	done_testing
	exit $?
	;;
esac
board=${MXP_VARIANT%-notls}
arch=$(sed -n 's/^IPK_ARCH[ 	]*:*=[ 	]*//p' "$TOP/board/$board/board.mk")
pkg=mxprobe
case $MXP_VARIANT in *-notls) pkg=mxprobe-nossl ;; esac
ver=$(cat "$TOP/VERSION")
check "ipk: built" sh "$TOP/board/mkipk.sh" "$MXP_BIN" "$ver" "$arch" \
    "$T/ipk" "$pkg"
ipk=$T/ipk/${pkg}_$ver-1_$arch.ipk
check "ipk: named PACKAGE_VERSION-RELEASE_ARCH.ipk" test -s "$ipk"
check "ipk: gzip'd outer archive" sh -c "gzip -t '$ipk'"
check_eq "ipk: outer members, in ipkg-build order" \
    "$(tar tzf "$ipk" | tr '\n' ' ')" \
    "./debian-binary ./data.tar.gz ./control.tar.gz "
command mkdir -p "$T/x" "$T/x/control" "$T/x/data"
(cd "$T/x" && tar xzf "$ipk")
check_eq "ipk: debian-binary 2.0" "$(cat "$T/x/debian-binary")" 2.0
(cd "$T/x/control" && tar xzf ../control.tar.gz)
(cd "$T/x/data" && tar xzf ../data.tar.gz)
check_eq "ipk: control members" \
    "$(tar tzf "$T/x/control.tar.gz" | sort | tr '\n' ' ')" \
    "./ ./conffiles ./control "
check_eq "ipk: data files" \
    "$(tar tzf "$T/x/data.tar.gz" | grep -v '/$' | sort | tr '\n' ' ')" \
    "./etc/config/mxprobe ./etc/init.d/mxprobe ./usr/sbin/mxprobe "
check_eq "ipk: owned by root" \
    "$(tar tzvf "$T/x/data.tar.gz" | awk '{ print $2 }' | sort -u)" "0/0"
check_eq "ipk: binary and init executable" \
    "$(tar tzvf "$T/x/data.tar.gz" | awk '$1 ~ /x$/ && $1 !~ /^d/ { print $NF }' | sort | tr '\n' ' ')" \
    "./etc/init.d/mxprobe ./usr/sbin/mxprobe "
check "ipk: the binary is this variant's" cmp "$T/x/data/usr/sbin/mxprobe" "$MXP_BIN"
check "ipk: the init script is the package's" cmp "$T/x/data/etc/init.d/mxprobe" "$INIT"
c=$T/x/control/control
field_of() { sed -n "s/^$1: *//p" "$c"; }
check_eq "ipk control: Package" "$(field_of Package)" "$pkg"
check_eq "ipk control: Version" "$(field_of Version)" "$ver-1"
check_eq "ipk control: Architecture" "$(field_of Architecture)" "$arch"
check_eq "ipk control: Depends empty (static)" "$(field_of Depends)" ""
check "ipk control: Maintainer" grep -q '^Maintainer: .' "$c"
check "ipk control: Description" grep -q '^Description: .' "$c"
check_eq "ipk control: Installed-Size is the data" "$(field_of Installed-Size)" \
    "$(cat "$T/x/data/usr/sbin/mxprobe" "$T/x/data/etc/init.d/mxprobe" \
        "$T/x/data/etc/config/mxprobe" | wc -c | tr -d ' ')"
check_eq "ipk conffiles" "$(cat "$T/x/control/conffiles")" "/etc/config/mxprobe"
check_eq "ipk control: no blank or odd lines" \
    "$(grep -cvE '^([A-Z][A-Za-z-]*:( .*)?| .+)$' "$c" || true)" 0
check_eq "ipk: reproducible" \
    "$(sh "$TOP/board/mkipk.sh" "$MXP_BIN" "$ver" "$arch" "$T/ipk2" "$pkg" >/dev/null &&
        cmp "$ipk" "$T/ipk2/${pkg}_$ver-1_$arch.ipk" && echo same)" same

done_testing
