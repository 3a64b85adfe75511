#!/bin/sh
# tests/cli/size.sh - the variant's stripped binary against its flash
# budget in board/size-budget (the same check as "make size-check").
# The ASan build is not a shipped binary: skipped.
set -eu
. "$TOP/tests/lib/lib.sh"

case $MXP_VARIANT in
*-san | host*)
	echo "SKIP size $MXP_VARIANT: sanitizer build, not shipped"
	;;
*)
	set +e
	sh "$TOP/board/size-check.sh" "$MXP_VARIANT" "$MXP_BIN" >"$T/size"
	set -e
	# size-check.sh prints the ok/FAIL line itself: count it here
	cat "$T/size"
	if grep -q '^ok ' "$T/size"; then
		_pass=$((_pass + 1))
	else
		_fail=$((_fail + 1))
	fi
	# MIPS routers have no FPU: no code path may format a float
	# (board/fpu-check.sh; a libc helper such as inet_ntop links printf)
	_board=${MXP_VARIANT%-notls}
	case $_board in
	mips | mipsel)
		_od=$(sed -n 's/^OBJDUMP[ 	]*:*=[ 	]*//p' \
		    "$TOP/board/$_board/board.mk")
		if command -v "$_od" >/dev/null 2>&1; then
			check "fpu-check $MXP_VARIANT" sh "$TOP/board/fpu-check.sh" \
			    "$_od" "$MXP_BIN.debug"
		else
			echo "SKIP fpu-check $MXP_VARIANT: $_od not installed"
		fi
		;;
	esac
	;;
esac

done_testing
