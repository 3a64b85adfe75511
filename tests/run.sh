#!/bin/sh
# tests/run.sh VARIANT... - run every suite against each build variant and
# print the closing line "N passed, N failed[, N skipped]".
#
# A variant is a build directory name under build/: x86_64, mipsel,
# x86_64-notls, host-san (the ASan/UBSan glibc build).  For each one:
# the unit tests (checks counted), then every tests/cli/*.sh and
# tests/integration/*.sh script (each "ok"/"FAIL" line counted).  The
# fuzz corpora are replayed once.  MXP_FULL=1 also runs the long tests
# (tests/full/*.sh).  MXP_ONLY=pattern runs only the scripts matching it;
# MXP_SKIP=pattern leaves out those matching it.
set -u
cd "$(dirname "$0")/.." || exit 70
TOP=$(pwd)
pass=0
fail=0
skip=0
log=build/test-logs
mkdir -p "$log"

count() {	# count FILE: add its ok/FAIL/SKIP lines to the totals
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^FAIL ' "$1")
	s=$(grep -c '^SKIP ' "$1")
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
}

for v in "$@"; do
	board=${v%-san}
	board=${board%-notls}
	qemu=$(sed -n 's/^QEMU[ 	]*:*=[ 	]*//p' "board/$board/board.mk")
	san=0
	case $v in *-san) san=1 ;; esac
	bin=$TOP/build/$v/mxprobe
	if [ ! -x "$bin" ]; then
		echo "FAIL $v: $bin not built"
		fail=$((fail + 1))
		continue
	fi
	echo "== $v${qemu:+ (under $qemu)}"

	out=$log/$v-unit.log
	$qemu "build/$v/test_unit" >"$out" 2>&1
	rc=$?
	grep '^FAIL' "$out"
	line=$(grep '^unit: ' "$out")
	p=$(echo "$line" | sed -n 's/^unit: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$p" ]; then
		echo "FAIL unit tests did not finish (exit $rc)"
		tail -5 "$out"
		p=0
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	echo "unit: $p passed, $f failed"

	for s in tests/cli/*.sh tests/integration/*.sh \
	    $( [ "${MXP_FULL:-0}" = 1 ] && ls tests/full/*.sh 2>/dev/null ); do
		[ -f "$s" ] || continue
		case $s in *${MXP_ONLY:-}*) ;; *) continue ;; esac
		if [ -n "${MXP_SKIP:-}" ]; then
			case $s in *$MXP_SKIP*) continue ;; esac
		fi
		name=$(basename "$s" .sh)
		out=$log/$v-$name.log
		t0=$(date +%s)
		T=$(mktemp -d /tmp/mxp-test.XXXXXX)
		MXPROBE="$qemu $bin" MXP_BIN=$bin MXP_QEMU=$qemu MXP_SAN=$san \
		    MXP_VARIANT=$v FAKES=$TOP/build/fakes T=$T TOP=$TOP \
		    sh "$s" >"$out" 2>&1
		rc=$?
		rm -rf "$T"
		count "$out"
		if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
			echo "FAIL $name: exited $rc without a result"
			tail -5 "$out" | sed 's/^/    /'
			fail=$((fail + 1))
		fi
		grep -A8 '^FAIL ' "$out" | sed "s/^FAIL /FAIL $name: /"
		echo "$name: $(grep -c '^ok ' "$out") passed," \
		    "$(grep -c '^FAIL ' "$out") failed," \
		    "$(grep -c '^SKIP ' "$out") skipped ($(( $(date +%s) - t0 ))s)"
	done
done

# fuzz corpora, replayed once under ASan/UBSan
for r in build/fuzz/replay_*; do
	[ -x "$r" ] || continue
	name=${r#build/fuzz/replay_}
	if "$r" tests/fuzz/corpus/"$name"/* tests/fuzz/regress/"$name"-* \
	    >"$log/fuzz-$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "ok fuzz corpus $name ($(ls tests/fuzz/corpus/"$name" | wc -l) inputs)"
	else
		fail=$((fail + 1))
		echo "FAIL fuzz corpus $name"
		tail -20 "$log/fuzz-$name.log"
	fi
done

echo
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
