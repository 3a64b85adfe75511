#!/bin/sh
# tests/bench/run.sh small|large - mxprobe's benchmark, with its peers,
# side by side, in one run, on loopback only.
#
#   make bench-small    1,000 addresses / 50 domains (a couple of minutes)
#   make bench          100,000 addresses / 2,000 domains (peers on a subset)
#
# Builds a simulated mail network with tests/lib/gen-world.sh (fakedns +
# fakesmtp with a per-reply delay standing in for RTT), runs mxprobe and
# the peers against the same world (fresh fakes for each tool, so
# greylisting state is not shared), and measures wall time, CPU, peak RSS,
# verdicts against expect.txt, and SMTP traffic from fakesmtp's
# transcript.  Then mxprobe alone: concurrency sweep, RSS against input
# size, syntax-only and mx-only speed, syscalls and allocations per
# address, binary sizes, STARTTLS handshakes per second (full and resumed,
# TLS 1.2 and 1.3: tests/bench/tls-hs.sh).  Prints the tables and writes
# docs/benchmarks.md (from tests/bench/benchmarks.md.in) and
# docs/bench-concurrency.svg; the large run writes docs/benchmarks-large.md
# and docs/bench-concurrency-large.svg.
#
# Environment: DELAY (ms per reply, default 50), BIN (default
# build/x86_64/mxprobe), BENCH_PEERS=0 to skip the peers, BENCH_DOC=0 to
# leave docs/ alone, BENCH_SMTP_PORT=0 for fakesmtp on a free port when
# another bench holds port 25.  Nothing here asserts a time: it prints
# figures.
set -eu

SIZE=${1:-small}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
BIN=${BIN:-build/x86_64/mxprobe}
DELAY=${DELAY:-50}
FAKES=$TOP/build/fakes
B=$TOP/tests/bench
W=$TOP/build/bench/$SIZE
KINDS=nnnnncgrbp
RPS=20			# mxprobe's default --rcpt-per-session (lower bound)
REJ=8			# mxprobe's default --rejects-per-session (lower bound)
PEERCONC=128		# peers' parallelism (mxprobe's default --concurrency is 32)
case $SIZE in
small)	ND=50 PER=20 SUBSET=500 QRT=1024 BIGRUN=
	SWEEP_PER=20 SWEEP_MAX=10240
	MXD=10000 SIZES="1000 100000 1000000" STRACE_N=1000 HS_N=30 ;;
large)	ND=2000 PER=50 SUBSET=2000 QRT=8192 BIGRUN="--concurrency 256"
	SWEEP_PER=20 SWEEP_MAX=51200
	MXD=100000 SIZES="1000 100000 1000000" STRACE_N=10000 HS_N=200 ;;
*)	echo "usage: $0 small|large" >&2; exit 64 ;;
esac
NADDR=$((ND * PER))

# ---- processes: every one we start is killed on exit --------------------
. "$B/procs.sh"

say() { printf 'bench %4ss: %s\n' "$(($(date +%s) - ${T0:-$(date +%s)}))" "$*" >&2; }

# start_fakes ZONE SCENARIO TRANSCRIPT: sets DNSPORT, SMTPPORT
# fakesmtp listens on port 25 of its loopback hosts when it can (the
# npm peer cannot be told another port), else on a free port.
start_fakes() {
	rm -f "$W/dns.ready" "$W/smtp.ready" "$3"
	"$FAKES/fakedns" -z "$1" -r "$W/dns.ready" 2>"$W/dns.err" &
	DNSPID=$!
	PIDS="$PIDS $DNSPID"
	waitfile "$W/dns.ready" || { cat "$W/dns.err" >&2; exit 1; }
	DNSPORT=$(cat "$W/dns.ready")
	if [ -n "$2" ]; then
		"$FAKES/fakesmtp" -s "$2" -p "$SMTP_WANT" -r "$W/smtp.ready" \
		    -t "$3" 2>"$W/smtp.err" &
		SMTPPID=$!
		PIDS="$PIDS $SMTPPID"
		waitfile "$W/smtp.ready" || { cat "$W/smtp.err" >&2; exit 1; }
		SMTPPORT=$(cat "$W/smtp.ready")
	fi
	export DNSPORT SMTPPORT
}

stop_fakes() {
	procs_cleanup
}

# measure NAME CMD...: wall, user, sys (s) in $W/NAME.time; peak RSS (KiB,
# the largest single process of the tree) in $W/NAME.rss; stdout in
# $W/NAME.out
measure() {
	_n=$1
	shift
	set +e
	/usr/bin/time -f '%e %U %S' -o "$W/$_n.time" \
	    "$FAKES/peakrss" "$W/$_n.rss" "$@" >"$W/$_n.out" 2>"$W/$_n.err"
	_rc=$?
	set -e
	echo "$_rc" >"$W/$_n.rc"
}
wall() { tail -n 1 "$W/$1.time" | awk '{ print $1 }'; }
cpu() { tail -n 1 "$W/$1.time" | awk '{ printf "%.2f", $2 + $3 }'; }
rss() { cat "$W/$1.rss"; }
per_s() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }

# the options that point mxprobe at the fakes (no spaces inside: used unquoted)
mxa() {
	echo "--dns 127.0.0.1:$DNSPORT --port $SMTPPORT --allow-private --dns-timeout 1 --dns-tries 2"
}
MXP_PROBE="--greylist-delay 2 --banner-timeout 2 --backoff 0.2"

# genworld DIR NDOMAINS PER DELAY KINDS: tests/lib/gen-world.sh; if the
# working copy fails (being edited), the committed one, said aloud
genworld() {
	sh tests/lib/gen-world.sh "$@" 2>"$W/gen-world.err" && return 0
	say "tests/lib/gen-world.sh failed ($(head -n 1 "$W/gen-world.err")): using git HEAD's"
	git show HEAD:tests/lib/gen-world.sh >"$W/gen-world.sh"
	sh "$W/gen-world.sh" "$@"
}

# ---- setup ---------------------------------------------------------------
install_missing() {
	need=""
	command -v swaks >/dev/null 2>&1 || need="$need swaks"
	command -v dig >/dev/null 2>&1 || need="$need bind9-dnsutils"
	command -v strace >/dev/null 2>&1 || need="$need strace"
	command -v gdb >/dev/null 2>&1 || need="$need gdb"
	command -v node >/dev/null 2>&1 || need="$need nodejs"
	command -v npm >/dev/null 2>&1 || need="$need npm"
	[ -x /usr/bin/time ] || need="$need time"
	command -v python3 >/dev/null 2>&1 || need="$need python3"
	if [ -n "$need" ]; then
		if [ "$(id -u)" = 0 ]; then
			say "installing$need"
			export DEBIAN_FRONTEND=noninteractive
			apt-get update -qq >/dev/null </dev/null
			# shellcheck disable=SC2086
			apt-get install -y -qq --no-install-recommends $need \
			    >/dev/null </dev/null
		else
			say "missing:$need (not root); those parts are skipped"
		fi
	fi
	NODEDIR=$TOP/build/bench/node
	if command -v npm >/dev/null 2>&1 &&
	    [ ! -d "$NODEDIR/node_modules/deep-email-validator" ]; then
		mkdir -p "$NODEDIR"
		[ -f "$NODEDIR/package.json" ] ||
		    echo '{ "name": "mxprobe-bench-peers", "private": true }' \
		    >"$NODEDIR/package.json"
		say "npm install deep-email-validator"
		(cd "$NODEDIR" && npm install --no-audit --no-fund --silent \
		    deep-email-validator </dev/null >/dev/null 2>&1) ||
		    say "npm install failed: deep-email-validator skipped"
	fi
}

T0=$(date +%s)
rm -rf "$W"
mkdir -p "$W"
install_missing
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ -x "$BIN" ] || { say "no $BIN: run make first"; exit 1; }
# BENCH_SMTP_PORT=0: a free port (another bench holds 25; no npm peer)
SMTP_WANT=${BENCH_SMTP_PORT:-25}
SMTPPORT=25
[ "$(id -u)" = 0 ] || SMTP_WANT=0

say "world: $NADDR addresses over $ND domains, delay $DELAY ms"
genworld "$W/world" "$ND" "$PER" "$DELAY" "$KINDS"
LIST=$W/world/list.txt
if [ "$SUBSET" -gt 0 ]; then
	head -n "$SUBSET" "$LIST" >"$W/subset.txt"
	PLIST=$W/subset.txt
else
	PLIST=$LIST
fi

# ---- scoring --------------------------------------------------------------
# score NAME LIST: verdicts (column 2 of NAME.out) against expect.txt; SMTP
# traffic from NAME.tr.  Appends one row to $W/peers.tsv:
# tool n wall cpu rss correct conns/addr cmds/addr rt rt_lb
score() {
	_n=$1
	_l=$2
	_cnt=$(wc -l <"$_l" | tr -d ' ')
	_ok=$(awk -F'\t' 'NR == FNR { split($0, f, " "); want[f[1]] = f[2]; next }
	    ($1 in want) && !seen[$1]++ && $2 == want[$1] { n++ }
	    END { print n + 0 }' "$W/world/expect.txt" "$W/$_n.out")
	_c=$(grep -c ' + ' "$W/$_n.tr" || true)
	_m=$(grep -c ' > ' "$W/$_n.tr" || true)
	_w=$(grep -c ' = write ' "$W/$_n.tr" || true)
	_lb=$(lower_bound "$_l")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$_cnt" \
	    "$(wall "$_n")" "$(cpu "$_n")" "$(rss "$_n")" "$_ok" "$_c" "$_m" \
	    "$((_c + _w))" "$_lb" >>"$W/peers.tsv"
	# the busiest host, as a server counts (tests/lib/politeness.awk):
	# tool conns/min host RCPTs/min host refused/conn too-many-errors
	awk -v name="$1" -v figures=1 -f tests/lib/politeness.awk "$W/$_n.tr" |
	    awk -F'\t' -v t="$1" '$1 == "figures" { $1 = t; print }' OFS='\t' \
	    >>"$W/polite.tsv"
}

# lower_bound LIST: round trips the protocol needs for these addresses,
# politely: sessions of at most $REJ refused recipients (the catch-all
# probe included; below Postfix's smtpd_soft_error_limit), each
# connect/banner + EHLO + QUIT = 3, plus one [RSET+]MAIL+RCPTs round per
# batch of $RPS recipients (at least one per session); greylisting hosts
# refuse every address once, then the unknown ones; hosts without
# PIPELINING a MAIL and an RSET per batch + one round per RCPT and for the
# probe; a 421 banner or a dead host 1 (the connect).
lower_bound() {
	awk -v kinds="$KINDS" -v rps="$RPS" -v rej="$REJ" '
	function ceil(x) { return x == int(x) ? x : int(x) + 1 }
	function sess(refused) { return refused > 0 ? ceil(refused / rej) : 1 }
	{ d = $0; sub(/.*@d/, "", d); sub(/\..*/, "", d); n[d]++
	  k = $0; sub(/^u/, "", k); sub(/@.*/, "", k); if (k + 0 >= 5) u[d]++ }
	END {
		for (d in n) {
			k = substr(kinds, d % length(kinds) + 1, 1)
			b = ceil(n[d] / rps)
			s = sess(u[d] + 1)
			if (k == "r" || k == "b") lb += 1
			else if (k == "c") lb += 3 + b
			else if (k == "g") {
				s1 = sess(n[d] + 1)
				lb += 3 * s1 + (b > s1 ? b : s1) + 3 * s + (b > s ? b : s)
			} else if (k == "p") lb += 3 * s + 2 * (b > s ? b : s) + n[d] + 1
			else lb += 3 * s + (b > s ? b : s)
		}
		print lb
	}' "$1"
}

# ---- 1. side by side -------------------------------------------------------
: >"$W/peers.tsv"
: >"$W/polite.tsv"
WZ=$W/world/world.zone
WS=$W/world/world.smtp

run_mxprobe() {	# NAME LIST
	start_fakes "$WZ" "$WS" "$W/$1.tr"
	say "mxprobe on $(wc -l <"$2" | tr -d ' ') addresses"
	# shellcheck disable=SC2086
	measure "$1" "$BIN" $(mxa) $MXP_PROBE $BIGRUN -f "$2"
	stop_fakes
	score "$1" "$2"
}
run_mxprobe mxprobe "$LIST"
[ "$SUBSET" -gt 0 ] && run_mxprobe mxprobe-subset "$PLIST"

if [ "${BENCH_PEERS:-1}" = 1 ] && command -v swaks >/dev/null 2>&1 &&
    command -v dig >/dev/null 2>&1; then
	start_fakes "$WZ" "$WS" "$W/swaks.tr"
	say "swaks+dig, one process per address, $PEERCONC at a time"
	measure swaks sh -c "xargs -P $PEERCONC -n 1 sh '$B/peer-swaks.sh' <'$PLIST'"
	stop_fakes
	score swaks "$PLIST"
fi
NODE_NOTE=""
if [ "${BENCH_PEERS:-1}" = 1 ] &&
    [ -d "$TOP/build/bench/node/node_modules/deep-email-validator" ]; then
	if [ "$SMTP_WANT" = 25 ]; then
		start_fakes "$WZ" "$WS" "$W/deep-email-validator.tr"
		say "deep-email-validator (node), $PEERCONC at a time"
		measure deep-email-validator sh -c "cd '$TOP/build/bench/node' &&
		    exec node '$B/peer-deep-email-validator.mjs' $DNSPORT $PEERCONC '$PLIST'"
		stop_fakes
		score deep-email-validator "$PLIST"
	else
		NODE_NOTE="deep-email-validator skipped: it connects to port 25 only, which needs root"
	fi
fi

# ---- 1b. round trips against the lower bound; RSS at 64 sessions --------
# The side-by-side run above uses mxprobe's defaults on the list as it
# comes (domains interleaved), which mxprobe reads in passes by domain
# (feed.h) so that a domain's addresses are in the queue together.  The
# same list sorted by domain with the defaults, unsorted with a queue that
# holds it all, and unsorted in one pass (--passes 1: only --queue
# addresses in progress, a domain's arriving a few at a time) compare.
: >"$W/rt.tsv"
rt_run() {	# NAME LIST LABEL [ARGS...]
	_n=$1 _l=$2 _lab=$3
	shift 3
	start_fakes "$WZ" "$WS" "$W/$_n.tr"
	say "round trips: $_lab"
	# shellcheck disable=SC2086
	measure "$_n" "$BIN" $(mxa) $MXP_PROBE $BIGRUN "$@" -f "$_l"
	stop_fakes
	_c=$(grep -c ' + ' "$W/$_n.tr" || true)
	_w=$(grep -c ' = write ' "$W/$_n.tr" || true)
	printf '%s\t%s\t%s\t%s\t%s\n' "$_lab" "$(wc -l <"$_l" | tr -d ' ')" \
	    "$((_c + _w))" "$(lower_bound "$_l")" "$(rss "$_n")" >>"$W/rt.tsv"
	rm -f "$W/$_n.tr"
}
sort -t@ -k2,2 -k1,1 "$LIST" >"$W/sorted.txt"
rt_run rts "$W/sorted.txt" "list sorted by domain, defaults"
rt_run rtq "$LIST" "list as it comes, --queue $QRT" --queue "$QRT"
rt_run rt1 "$LIST" "list as it comes, --passes 1 (one read, as before passes)" --passes 1
rm -f "$W/sorted.txt"
# the memory goal: 64 plaintext sessions at once, everything else default
genworld "$W/p64" 64 20 "$DELAY" n
start_fakes "$W/p64/world.zone" "$W/p64/world.smtp" "$W/p64.tr"
say "64 concurrent plaintext sessions, defaults otherwise"
measure p64 "$BIN" $(mxa) --concurrency 64 --per-domain 8 --rcpt-per-session 5 \
    -f "$W/p64/list.txt"
stop_fakes
P64_LINE="$(rss p64) KiB ($(wc -l <"$W/p64.out" | tr -d ' ') addresses over 64 domains, --concurrency 64 --per-domain 8 --rcpt-per-session 5, defaults otherwise: --queue 768, --ring 16)"
rm -rf "$W/p64" "$W/p64.tr"

# ---- 2. concurrency sweep ------------------------------------------------
: >"$W/sweep.tsv"
for c in 1 8 64 256 1024; do
	n=$((c * SWEEP_PER))
	[ $n -ge 60 ] || n=60
	[ $n -le "$SWEEP_MAX" ] || n=$SWEEP_MAX
	nd=$((n / SWEEP_PER))
	genworld "$W/sw$c" "$nd" "$SWEEP_PER" "$DELAY" n
	start_fakes "$W/sw$c/world.zone" "$W/sw$c/world.smtp" "$W/sw$c.tr"
	q=$((c * 8))
	[ $q -ge 256 ] || q=256
	say "sweep: --concurrency $c, $n addresses over $nd domains"
	measure "sw$c" "$BIN" $(mxa) --concurrency "$c" --per-domain 8 --rcpt-per-session 5 \
	    --queue "$q" --dns-inflight 64 -f "$W/sw$c/list.txt"
	stop_fakes
	sort "$W/sw$c/expect.txt" >"$W/sw$c/expect.sorted"
	ok=$(awk -F'\t' '{ print $1, $2, $3 }' "$W/sw$c.out" | sort |
	    comm -12 - "$W/sw$c/expect.sorted" | wc -l | tr -d ' ')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$n" "$(wall "sw$c")" \
	    "$(per_s "$n" "$(wall "sw$c")")" "$(rss "sw$c")" "$(cpu "sw$c")" \
	    "$ok" >>"$W/sweep.tsv"
	rm -rf "$W/sw$c"
done

# ---- 3. RSS against input size; syntax-only speed -------------------------
start_fakes "$WZ" "" ""
: >"$W/inputs.tsv"
for n in $SIZES; do
	awk -v n="$n" -v nd="$ND" 'BEGIN { for (k = 0; k < n; k++)
	    printf "u%d@d%d.world.test\n", int(k / nd), k % nd }' >"$W/in$n.txt"
	say "input size $n: --syntax-only, --mx-only"
	measure "syn$n" "$BIN" --syntax-only -f "$W/in$n.txt"
	measure "mxo$n" "$BIN" $(mxa) --mx-only -f "$W/in$n.txt"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" \
	    "$(wall "syn$n")" "$(per_s "$n" "$(wall "syn$n")")" "$(rss "syn$n")" \
	    "$(wall "mxo$n")" "$(per_s "$n" "$(wall "mxo$n")")" "$(rss "mxo$n")" \
	    >>"$W/inputs.tsv"
	[ "$n" = 1000000 ] || rm -f "$W/in$n.txt"
done
stop_fakes
rm -f "$W"/in*.txt "$W"/syn*.out "$W"/mxo*.out

# ---- 4. --mx-only over distinct domains ----------------------------------
awk -v n="$MXD" -v dir="$W" 'BEGIN {
	z = dir "/mxd.zone"; l = dir "/mxd.txt"
	print "$TTL 3600" > z
	for (i = 0; i < n; i++) {
		printf "m%d.mxd.test. MX 10 mx.m%d.mxd.test.\nmx.m%d.mxd.test. A 127.%d.%d.%d\n",
		    i, i, i, 1 + int(i / 62500), int(i / 250) % 250, 1 + i % 250 > z
		printf "a@m%d.mxd.test\n", i > l
	}
}'
start_fakes "$W/mxd.zone" "" ""
say "--mx-only on $MXD distinct domains (default --dns-cache)"
measure mxd "$BIN" $(mxa) --mx-only -f "$W/mxd.txt"
stop_fakes
MXD_OK=$(awk -F'\t' '$2 == "deliverable"' "$W/mxd.out" | wc -l | tr -d ' ')
rm -f "$W/mxd.out" "$W/mxd.zone" "$W/mxd.txt"

# ---- 5. syscalls per address (strace -f -c) ------------------------------
STRACE_LINE="-"
if command -v strace >/dev/null 2>&1; then
	genworld "$W/st" "$((STRACE_N / 20))" 20 "$DELAY" n
	start_fakes "$W/st/world.zone" "$W/st/world.smtp" "$W/st.tr"
	say "strace -f -c on $STRACE_N addresses"
	set +e
	# shellcheck disable=SC2086
	strace -f -c -o "$W/strace.txt" "$BIN" --dns "127.0.0.1:$DNSPORT" \
	    --port "$SMTPPORT" --allow-private --dns-timeout 1 --dns-tries 2 \
	    $MXP_PROBE -f "$W/st/list.txt" >/dev/null 2>&1
	set -e
	stop_fakes
	STRACE_LINE=$(awk -v n="$STRACE_N" '
	    $NF == "total" { tot = $(NF - 2) }
	    $1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { c[$NF] = $4 }
	    END { printf "%.2f per address (%d calls for %d addresses); top:", tot / n, tot, n
		  m = 0; for (k in c) { s[++m] = c[k] "\t" k }
		  for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
		      if (s[j] + 0 > s[i] + 0) { x = s[i]; s[i] = s[j]; s[j] = x }
		  for (i = 1; i <= 6 && i <= m; i++) { split(s[i], f, "\t")
		      printf " %s %.2f", f[2], f[1] / n } }' "$W/strace.txt")
	rm -rf "$W/st"
fi

# ---- 6. allocations: 1k against 10k addresses ----------------------------
# The shipped musl binary's debug twin runs under gdb, counting calls of
# musl's allocator entry (__libc_malloc_impl, which malloc and calloc
# reach) and realloc.  BENCH_HOST=1 instead builds the glibc host build
# (make TARGET=host) and counts with the LD_PRELOAD counter
# tests/bench/malloc-count.c (that build is dynamically linked, so
# LD_PRELOAD sees its allocator).
ALLOC_HOW=""
count_allocs() {	# NAME LIST -> "mallocs reallocs"
	if [ "$ALLOC_HOW" = preload ]; then
		rm -f "$W/mc.out"
		MALLOC_COUNT_OUT=$W/mc.out LD_PRELOAD=$W/malloc-count.so \
		    build/host/mxprobe --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" \
		    --allow-private --dns-timeout 1 --dns-tries 2 $MXP_PROBE \
		    -f "$2" >/dev/null 2>&1 || true
		cat "$W/mc.out" 2>/dev/null || echo 0 0
	else
		# the results go to gdb's stdout and are dropped by awk
		printf '%s\n' 'set pagination off' 'set confirm off' \
		    'set startup-with-shell off' \
		    'break __libc_malloc_impl' 'break realloc' \
		    'ignore 1 1000000000' 'ignore 2 1000000000' \
		    'run' 'info breakpoints' >"$W/g.gdb"
		gdb -batch -x "$W/g.gdb" --args "${BIN}.debug" \
		    --dns "127.0.0.1:$DNSPORT" --port "$SMTPPORT" --allow-private \
		    --dns-timeout 1 --dns-tries 2 $MXP_PROBE -f "$2" </dev/null 2>&1 |
		    awk '$1 ~ /^[12]$/ && $2 == "breakpoint" { b = $1 }
			/already hit/ { h[b] = $4 } END { print h[1] + 0, h[2] + 0 }'
	fi
}
ALLOC_LINE="-"
if [ "${BENCH_HOST:-0}" = 1 ] &&
    gcc -shared -fPIC -O2 -o "$W/malloc-count.so" "$B/malloc-count.c" \
    2>/dev/null && make --no-print-directory TARGET=host >"$W/host-build.log" 2>&1 &&
    ldd build/host/mxprobe >/dev/null 2>&1; then
	ALLOC_HOW=preload
elif command -v gdb >/dev/null 2>&1 && [ -x "${BIN}.debug" ]; then
	ALLOC_HOW=gdb
fi
if [ -n "$ALLOC_HOW" ]; then
	genworld "$W/al" 50 80 0 n
	head -n 1000 "$W/al/list.txt" >"$W/al1k.txt"
	start_fakes "$W/al/world.zone" "$W/al/world.smtp" "$W/al.tr"
	say "allocations ($ALLOC_HOW): 1,000 and 4,000 addresses"
	A1=$(count_allocs al1k "$W/al1k.txt")
	A10=$(count_allocs al4k "$W/al/list.txt")
	stop_fakes
	ALLOC_LINE=$(echo "$A1 $A10" | awk -v how="$ALLOC_HOW" '{
	    printf "1k: %d allocs + %d reallocs; 4k: %d + %d; %.3f allocs per extra address (%s)",
	    $1, $2, $3, $4, ($3 + $4 - $1 - $2) / 3000, how == "gdb" ? \
	    "musl static build under gdb" : "glibc host build, LD_PRELOAD counter" }')
	rm -rf "$W/al" "$W/al1k.txt"
fi

# ---- 7. binary sizes -------------------------------------------------------
: >"$W/sizes.tsv"
for f in build/*/mxprobe; do
	t=${f#build/}
	t=${t%/mxprobe}
	case $t in *-san|host*) continue ;; esac
	printf '%s\t%s\n' "$t" "$(wc -c <"$f" | tr -d ' ')" >>"$W/sizes.tsv"
done

# ---- 8. STARTTLS handshakes per second ------------------------------------
# tests/bench/tls-hs.sh: HS_N sessions per run, one at a time, against
# fakesmtp's OpenSSL; a few seconds with HS_N=30.
: >"$W/tls-hs.tsv"
HS_NOTE=""
if ! command -v openssl >/dev/null 2>&1; then
	HS_NOTE="no openssl command: the certificates could not be made"
elif ! "$BIN" --version 2>/dev/null | grep -q 'TLS=1'; then
	HS_NOTE="$BIN is built without TLS"
else
	say "STARTTLS handshakes: $HS_N sessions per run"
	BIN="$BIN" FAKES="$FAKES" sh "$B/tls-hs.sh" "$W" "$HS_N" \
	    2>"$W/tls-hs.err" || HS_NOTE="tests/bench/tls-hs.sh failed: $(tail -n 1 "$W/tls-hs.err")"
fi
[ -z "$HS_NOTE" ] || say "$HS_NOTE"

# ---- report ----------------------------------------------------------------
T1=$(date +%s)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain --untracked-files=no -- src include 2>/dev/null | wc -l | tr -d ' ')
[ "$DIRTY" = 0 ] || COMMIT="$COMMIT (+ uncommitted changes in $DIRTY src/include files)"
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
export SIZE DELAY COMMIT CPU NADDR ND SUBSET MXD MXD_OK STRACE_LINE \
    ALLOC_LINE NODE_NOTE PEERCONC HS_NOTE P64_LINE BIGRUN
NPROC=$(nproc)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
export NPROC DATE
python3 "$B/report.py" "$W" "$B/benchmarks.md.in" >"$W/benchmarks.md"
python3 "$B/plot.py" "$W/sweep.tsv" "$W/bench-concurrency.svg"
if [ "${BENCH_DOC:-1}" = 1 ] && [ "$SIZE" = small ]; then
	cp "$W/benchmarks.md" docs/benchmarks.md
	cp "$W/bench-concurrency.svg" docs/bench-concurrency.svg
elif [ "${BENCH_DOC:-1}" = 1 ]; then
	# the large run has its own page; the plot stays the small run's
	sed 's/(bench-concurrency.svg)/(bench-concurrency-large.svg)/' \
	    "$W/benchmarks.md" >docs/benchmarks-large.md
	cp "$W/bench-concurrency.svg" docs/bench-concurrency-large.svg
fi
python3 "$B/report.py" --tables "$W"
say "done in $((T1 - T0)) s; results in $W and docs/"
