#!/bin/sh
# tests/cli/fuzz.sh - CI fuzzing: every libFuzzer target (tests/fuzz/
# fuzz_*.c) built with clang and run for MXP_FUZZ_SECONDS (10) from its
# committed seeds, into a scratch corpus (the repository is not touched).
# Only in the host-san variant (the run is the same whatever the target
# board) and only when clang's libFuzzer runtime is there; otherwise one
# "SKIP" line.  A crash or failed check: "FAIL fuzz NAME", the input kept
# as build/fuzz/crash-NAME-*; copy it to tests/fuzz/regress/NAME-WHAT so
# every "make test" replays it.
set -u
. "$TOP/tests/lib/lib.sh"

secs=${MXP_FUZZ_SECONDS:-10}
if [ "${MXP_VARIANT:-}" != host-san ]; then
	echo "SKIP fuzz: only in the host-san variant (this is ${MXP_VARIANT:-unset})"
	exit 0
fi
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$T/probe.c"
if ! command -v clang >/dev/null 2>&1 ||
    ! clang -fsanitize=fuzzer -o "$T/probe" "$T/probe.c" >"$T/probe.err" 2>&1; then
	echo "SKIP fuzz: no clang with the libFuzzer runtime ($(head -1 "$T/probe.err" 2>/dev/null))"
	exit 0
fi

cd "$TOP" || exit 70
for src in tests/fuzz/fuzz_*.c; do
	name=${src#tests/fuzz/fuzz_}
	name=${name%.c}
	if ! make --no-print-directory "build/fuzz/fuzz_$name" >"$T/build-$name.log" 2>&1; then
		not_ok "fuzz $name: build failed" "$(tail -20 "$T/build-$name.log")"
		continue
	fi
	mkdir -p "$T/corpus-$name"
	set +e
	"build/fuzz/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="build/fuzz/crash-$name-" "$T/corpus-$name" \
	    "tests/fuzz/corpus/$name" >"$T/fuzz-$name.log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/fuzz-$name.log")
	files=$(ls "$T/corpus-$name" | wc -l | tr -d ' ')
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		ok "fuzz $name ($execs execs, $files new corpus files)"
	else
		not_ok "fuzz $name (exit $rc)" \
		    "$(grep -m1 -A3 'ERROR\|SUMMARY' "$T/fuzz-$name.log")" \
		    "$(grep 'Test unit written to' "$T/fuzz-$name.log")"
	fi
done

done_testing
