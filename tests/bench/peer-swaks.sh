#!/bin/sh
# tests/bench/peer-swaks.sh ADDRESS - verify one address the way a shell
# script does it with swaks: the domain's MX with dig (lowest preference
# wins, its address from the additional section, else a second dig), then
# swaks --quit-after RCPT to that server.
# Environment: DNSPORT (fakedns on 127.0.0.1), SMTPPORT, SWAKS_TIMEOUT.
# Prints "address TAB verdict TAB what" (verdict: deliverable for 2xx at
# RCPT, undeliverable for 5xx at RCPT or no MX, unknown otherwise).
# Run one process per address: xargs -P N -n 1 sh peer-swaks.sh <list
a=$1
d=${a##*@}
q="+time=1 +tries=1 -p $DNSPORT @127.0.0.1"
# shellcheck disable=SC2086
set -- $(dig $q +noall +answer +additional MX "$d" | awk '
	$4 == "MX" { if (best == "" || $5 < pref) { pref = $5; best = $6 } }
	$4 == "A" { a[$1] = $5 }
	END { if (best != "") print best, a[best] }')
mx=${1:-}
ip=${2:-}
if [ -z "$mx" ]; then
	printf '%s\tundeliverable\tno_mx\n' "$a"
	exit 0
fi
# shellcheck disable=SC2086
[ -n "$ip" ] || ip=$(dig $q +short A "$mx" | head -n 1)
case $ip in
127.*) ;;
*)	# never leave loopback
	printf '%s\tunknown\tno_loopback_address:%s\n' "$a" "$ip"
	exit 0 ;;
esac
swaks --quit-after RCPT --server "$ip" --port "$SMTPPORT" --to "$a" \
    --timeout "${SWAKS_TIMEOUT:-2}" 2>&1 |
awk -v a="$a" '
/^ -> RCPT TO/ { r = 1; next }
r && /^<(-|\*\*) / { code = $2; r = 0 }
/^<\*\* / && code == "" { other = $2 }
END {
	if (code ~ /^2[0-9][0-9]$/) v = "deliverable"
	else if (code ~ /^5[0-9][0-9]$/) v = "undeliverable"
	else v = "unknown"
	printf "%s\t%s\t%s\n", a, v, code != "" ? "rcpt:" code : "before_rcpt:" other
}'
