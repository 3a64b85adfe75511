# tests/bench/procs.sh - sourced by the benchmark scripts: every process
# a script starts goes into PIDS and is killed when it exits (or by
# procs_cleanup); waitfile FILE waits up to 20 s for FILE to have bytes.
PIDS=""
procs_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	PIDS=""
}
trap procs_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

waitfile() {
	_i=0
	while [ ! -s "$1" ]; do
		_i=$((_i + 1))
		[ $_i -le 400 ] || { echo "$0: nothing in $1 after 20 s" >&2; return 1; }
		sleep 0.05
	done
}
