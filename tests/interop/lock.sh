# tests/interop/lock.sh - sourced by tests/interop/run.sh and
# tests/cli/interop.sh: one interop run per machine.
#
# The suite's namespaces have fixed names (mxpi-*) and a run deletes every
# mxpi-* it finds at its start, so two runs at once (two checkouts, two
# "make test") destroy each other.  mxpi_lock takes /tmp/mxpi.lock (the
# lock every developer's "flock /tmp/mxpi.lock ..." takes) for the rest of
# the calling script, on file descriptor 8, waiting for another run to end.
# It is re-entrant across processes: when an ancestor already holds the
# lock (flock /tmp/mxpi.lock make test -> tests/cli/interop.sh -> run.sh)
# it goes on, since waiting would deadlock.  Without flock(1) it says so
# and goes on unserialised.

MXPI_LOCK=${MXPI_LOCK:-/tmp/mxpi.lock}

# _mxpi_held_above: does a process above this shell hold $MXPI_LOCK?
_mxpi_held_above() {
	_ino=$(stat -c %i "$MXPI_LOCK" 2>/dev/null) || return 1
	_holders=$(awk -v i="$_ino" '$2 == "FLOCK" { n = split($6, f, ":")
	    if (f[n] == i) print $5 }' /proc/locks 2>/dev/null)
	[ -n "$_holders" ] || return 1
	_p=$$
	while [ -n "$_p" ] && [ "$_p" -gt 1 ]; do
		for _h in $_holders; do
			[ "$_h" = "$_p" ] && return 0
		done
		_p=$(sed 's/.*) //' "/proc/$_p/stat" 2>/dev/null | cut -d' ' -f2)
	done
	return 1
}

mxpi_lock() {
	if ! command -v flock >/dev/null 2>&1; then
		echo "# interop: no flock(1): not serialised with other runs"
		return 0
	fi
	# an ancestor took it with mxpi_lock (MXPI_LOCKED, inherited), or
	# with flock(1), which stays alive as that ancestor while it holds it
	# (/proc/locks names the process that took a lock: after mxpi_lock
	# that is a flock -n that has exited, hence MXPI_LOCKED)
	if [ "${MXPI_LOCKED:-}" = "$MXPI_LOCK" ] || _mxpi_held_above; then
		return 0
	fi
	exec 8>>"$MXPI_LOCK"
	if ! flock -n 8; then
		echo "# interop: waiting for $MXPI_LOCK (another interop run)"
		flock -w "${MXPI_LOCK_WAIT:-3600}" 8 || return 1
	fi
	MXPI_LOCKED=$MXPI_LOCK
	export MXPI_LOCKED
}
