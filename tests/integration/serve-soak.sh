#!/bin/sh
# tests/integration/serve-soak.sh - adversarial soak of "mxprobe serve"
# (issue 19): tests/lib/serve-soak.py runs SOAK_OPS operations (default
# 400; tests/full/serve-soak.sh runs 5000) of well-behaved and hostile
# clients on both protocols, with SIGHUPs, against a serve under a low
# ulimit -n and (as root) --user nobody.  Pass: no wrong, lost or poisoned
# answer; the daemon alive until SIGTERM, then gone within its drain
# budget with exit 0; descriptors back to where they were and RSS flat;
# the cache file written at exit loads back.  Replay a run with
# SOAK_SEED=N (printed).
set -eu
. "$TOP/tests/lib/lib.sh"

OPS=${SOAK_OPS:-400}
if [ -n "$MXP_QEMU" ]; then
	echo "SKIP serve soak under qemu (the x86_64 and host-san runs cover it)"
	done_testing
	exit $?
fi

start_dns "$TOP/tests/scenarios/smtp-cases.zone"
start_smtp "$TOP/tests/scenarios/smtp-cases.smtp" -d 20

USER_OPT=
chmod 755 "$T"
mkdir -p "$T/state"
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	USER_OPT="--user nobody"
	chown nobody "$T/state"
fi

# serve_soak: the daemon, as in production but small, under ulimit -n 90
printf 'ulimit -n 90 && exec "$@"\n' >"$T/ulimit.sh"
serve_soak() {
	# shellcheck disable=SC2086
	MXPROBE="sh $T/ulimit.sh $MXP_BIN" start_serve --max-clients 64 \
	    --concurrency 16 --cache 256 --client-timeout 2 --drain-timeout 3 \
	    --cache-file "$T/state/cache" $USER_OPT
}

fds() { ls "/proc/$SERVE_PID/fd" | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVE_PID/status"; }

# settle: no client left (the asker itself is one), then its own close
settle() {
	_i=0
	while [ "$(echo stats | "$FAKES/sockreq" "$T/lines.sock" lines 1 5 |
	    sed -n 's/.* clients=\([0-9]*\) .*/\1/p')" != 1 ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	_i=0
	while [ "$(fds)" != "${1:-0}" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}

soak() {	# soak OPS SEED
	python3 "$TOP/tests/lib/serve-soak.py" --policy "$T/policy.sock" \
	    --lines "$T/lines.sock" --pid "$SERVE_PID" --ops "$1" --seed "$2" \
	    --max-clients 58 --hup-every 150 >"$T/soak.out" 2>&1
}

serve_soak
check "low ulimit -n: limits fitted" grep -q "descriptor limit 90: lowered" "$T/serve.log"
seed=${SOAK_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# soak seed $seed (replay: SOAK_SEED=$seed)"
# warm-up: pools, cache and pages touched once
soak $((OPS / 4 + 1)) "$seed" || true
settle
fd0=$(fds)
rss0=$(rss)
check "warm-up: no wrong, lost or poisoned answer" soak $((OPS / 4 + 1)) "$seed"
soak "$OPS" $((seed + 1)) && rc=0 || rc=$?
cat "$T/soak.out" | grep -v '^soak: seed' | head -20
check_eq "soak $OPS ops: no wrong, lost or poisoned answer" "$rc" 0
check "soak: wrong=0" sh -c "! grep -q 'wrong=[1-9]' '$T/soak.out'"
check "soak: daemon alive until SIGTERM" kill -0 "$SERVE_PID"
settle "$fd0"
fd1=$(fds)
rss1=$(rss)
echo "# soak: fds $fd0 -> $fd1, RSS $rss0 -> $rss1 KiB"
check_eq "soak: descriptors back to the start ($fd0)" "$fd1" "$fd0"
if [ "$MXP_SAN" = 0 ]; then
	check "soak: RSS flat ($rss0 -> $rss1 KiB, at most +512)" \
	    test "$rss1" -le $((rss0 + 512))
fi
kill -TERM "$SERVE_PID"
i=0
while kill -0 "$SERVE_PID" 2>/dev/null && [ $i -lt 160 ]; do sleep 0.05; i=$((i + 1)); done
check "SIGTERM: gone within the drain budget (3 s + 1 s for answers)" sh -c "! kill -0 $SERVE_PID 2>/dev/null"
set +e
wait "$SERVE_PID"
rc=$?
set -e
check_eq "SIGTERM: exit 0" "$rc" 0
check "cache file written at exit" test -s "$T/state/cache"
n=$(awk 'NR > 1 && $3 != "" { n++ } END { print n + 0 }' "$T/state/cache")
echo "# cache file: $n entries"
: >"$TR"
serve_soak
keys=$(awk 'NR > 1 { print $8 }' "$T/state/cache" | head -30)
for k in $keys; do echo "$k"; done |
    "$FAKES/sockreq" "$T/lines.sock" lines "$(echo "$keys" | wc -w)" 30 >"$T/reload.out" || true
check_eq "cache file loads back: every key answered" "$(grep -c '	' "$T/reload.out")" "$(echo "$keys" | wc -w)"
check_eq "cache file loads back: no new probe" "$(grep -c 'RCPT TO:' "$TR" || true)" 0
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true

done_testing
