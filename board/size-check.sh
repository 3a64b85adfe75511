#!/bin/sh
# board/size-check.sh VARIANT BINARY [BUDGETFILE] - compare the size of a
# stripped binary with its line in board/size-budget.
#
# Prints one line, "ok size VARIANT: N bytes <= BUDGET (P%)" or
# "FAIL size VARIANT: N bytes > BUDGET (+D bytes)", and exits 0 or 1
# (2 when the variant has no budget or the binary is missing).
set -u
v=$1
bin=$2
budgets=${3:-$(dirname "$0")/size-budget}

if [ ! -f "$bin" ]; then
	echo "FAIL size $v: $bin not built"
	exit 2
fi
size=$(wc -c <"$bin" | tr -d ' ')
budget=$(awk -v v="$v" '$1 == v { print $2; exit }' "$budgets")
if [ -z "$budget" ]; then
	echo "FAIL size $v: no budget for \"$v\" in $budgets"
	exit 2
fi
if [ "$size" -le "$budget" ]; then
	echo "ok size $v: $size bytes <= $budget ($((size * 100 / budget))%)"
	exit 0
fi
echo "FAIL size $v: $size bytes > $budget (+$((size - budget)) bytes," \
    "$((size * 100 / budget))%; see make size-report, board/size-budget)"
exit 1
