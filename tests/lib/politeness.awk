# tests/lib/politeness.awk - mxprobe's politeness limits (docs/mxprobe.1
# POLITENESS), checked from the client's side of a fakesmtp transcript
# ("<ms> <host> c<id> <dir> <text>", tests/fakes/fakesmtp.md).
#
#   awk -v name=SCENARIO [-v conn=60 -v rcpt=600 -v open=2 -v attempts=4
#       -v rejects=8 -v only4=N] -f tests/lib/politeness.awk TRANSCRIPT...
#
# Prints one line per broken limit, naming the scenario, the host and the
# figure; nothing when every limit held:
#   - new connections to one host in any sliding 60 s: at most conn;
#   - RCPT commands to one host in any sliding 60 s: at most rcpt;
#   - sessions at once to one host (a connection counts while its client
#     still sends commands): at most open (per domain times the domains
#     the host serves: give open accordingly);
#   - RCPT commands for one address over the run: at most attempts (the
#     random catch-all probe is one per domain and batch, not counted);
#   - refused recipients (4xx/5xx to RCPT) on one connection: at most
#     rejects;
#   - a host that greets only with 4xx (421 "too many connections"): at
#     most only4 connections (default attempts + open - 1).
# With -v figures=1 a last line "figures<TAB>conns/min<TAB>host<TAB>
# RCPTs/min<TAB>host<TAB>most refused RCPTs on a connection<TAB>replies
# saying too many errors": the busiest host's figures (tests/bench).
# The transcript's times are fakesmtp's own clock, so the windows are
# measured where a real server would measure them.
BEGIN {
	if (conn == "") conn = 60
	if (rcpt == "") rcpt = 600
	if (open == "") open = 2
	if (attempts == "") attempts = 4
	if (rejects == "") rejects = 8
	if (only4 == "") only4 = attempts + open - 1
	if (name == "") name = "?"
}
function fail(what) {
	if (!(what in said)) {
		said[what] = 1
		print "politeness " name ": " what
	}
}
# sliding window over the times of one host: t[host, 1..n] in order;
# returns the most units in any 60 s
function window(kind, host, t, n, lim,    i, j, m) {
	j = 1
	m = 0
	for (i = 1; i <= n; i++) {
		while (t[host, i] - t[host, j] >= 60000)
			j++
		if (i - j + 1 > m)
			m = i - j + 1
	}
	if (m > lim)
		fail(host ": " m " " kind " within 60 s (limit " lim ")")
	return m
}
$4 == "+" {
	host[$3] = $2
	qh[$3] = 0
	qt[$3] = 1
	q[$3, 0] = "BANNER"
	nc[$2]++
	ct[$2, nc[$2]] = $1 + 0
	cid[$2, nc[$2]] = $3
	start[$3] = $1 + 0
	spoke[$3] = $1 + 0
	next
}
$4 == ">" {
	spoke[$3] = $1 + 0
	cmd = toupper($5)
	q[$3, qt[$3]++] = cmd
	if (cmd == "RCPT") {
		h = host[$3]
		nr[h]++
		rt[h, nr[h]] = $1 + 0
		a = tolower($6)
		sub(/^to:</, "", a)
		sub(/>.*/, "", a)
		# the catch-all probe: x and 15 random letters and digits
		lp = a
		sub(/@.*/, "", lp)
		if (!(length(lp) == 16 && lp ~ /^x[a-z0-9]*$/) &&
		    ++per[a] > attempts)
			fail(a ": " per[a] " RCPTs over the run (limit " attempts ")")
	}
	next
}
$4 == "<" && $5 ~ /^[0-9][0-9][0-9]$/ {
	# a final reply line answers the oldest command waiting (RFC 2920)
	cmd = qh[$3] < qt[$3] ? q[$3, qh[$3]++] : ""
	if (cmd == "BANNER" && $5 !~ /^4/)
		answered[host[$3]] = 1
	if (cmd == "BANNER" && $5 ~ /^4/)
		busy[host[$3]] = 1
	if (cmd == "RCPT" && $5 ~ /^[45]/) {
		if (++rej[$3] == rejects + 1)
			fail("connection " $3 " to " host[$3] ": " rej[$3] \
			    " recipients refused (limit " rejects ")")
		if (rej[$3] > maxrej)
			maxrej = rej[$3]
	}
	if ($0 ~ /too many errors/)
		toomany++
	next
}
# sessions at once: a connection counts while its client still speaks (a
# later command than the other's start); the server may log the close of
# a connection the client left (timeout, QUIT) after it accepted the next
function at_once(h,    i, j, n, m) {
	m = 0
	for (i = 1; i <= nc[h]; i++) {
		n = 1
		for (j = 1; j < i; j++)
			if (spoke[cid[h, j]] > start[cid[h, i]])
				n++
		if (n > m)
			m = n
	}
	if (m > open)
		fail(h ": " m " sessions at once (limit " open ")")
}
END {
	for (h in nc) {
		at_once(h)
		m = window("connections", h, ct, nc[h], conn)
		if (m > mc) {
			mc = m
			mch = h
		}
		if (h in nr) {
			m = window("RCPTs", h, rt, nr[h], rcpt)
			if (m > mr) {
				mr = m
				mrh = h
			}
		}
		if ((h in busy) && !(h in answered) && nc[h] > only4)
			fail(h ": greets only with 4xx, yet " nc[h] \
			    " connections (limit " only4 ")")
	}
	if (figures)
		printf "figures\t%d\t%s\t%d\t%s\t%d\t%d\n", mc, mch, mr, mrh,
		    maxrej, toomany
}
