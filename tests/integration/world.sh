#!/bin/sh
# tests/integration/world.sh - 1,000 addresses over 50 domains with mixed
# behaviour (normal, catch-all, greylisting, 421, dead hosts, no
# PIPELINING): exactly one result per input address, each the verdict its
# host's script implies; politeness read from the servers' transcript.
set -eu
. "$TOP/tests/lib/lib.sh"

sh "$TOP/tests/lib/gen-world.sh" "$T/w" 50 20
start_dns "$T/w/world.zone"
start_smtp "$T/w/world.smtp"
# the 421 hosts' back-off on the scale of --greylist-delay 2
probe --greylist-delay 2 --banner-timeout 2 --backoff 0.1 --concurrency 64 -f "$T/w/list.txt"
check_eq "1000 inputs: 1000 results" "$(wc -l <"$T/out")" 1000
check_eq "every input exactly once" \
    "$(cut -f1 "$T/out" | sort | uniq -u | wc -l | tr -d ' ')" 1000
awk -F'\t' '{ print $1, $2, $3 }' "$T/out" | sort >"$T/got"
sort "$T/w/expect.txt" >"$T/want"
check_file "every verdict as the host's script says" "$T/got" "$T/want"
check_eq "exit status 3 (some unknown)" "$rc" 3

# politeness, from the servers' side
check_eq "never DATA" "$(grep -c '! DATA sent' "$TR" || true)" 0
check_eq "no protocol violation" "$(grep -c ' ! ' "$TR" || true)" 0
# A session asks until 8 recipients were refused (--rejects-per-session,
# below Postfix's smtpd_soft_error_limit): 20 addresses with 15 unknown
# take 2-3 sessions, greylisting 3 and 3 again; a 421 host gets one per
# attempt (--attempts 4) plus the second of the first two sessions.
conns=$(grep -c ' + ' "$TR")
check "connections: 2-3 per domain, 6 when greylisting, 5 for a 421 host ($conns for 50 domains)" \
    test "$conns" -le 160
check_eq "no host got more than 6 connections" \
    "$(awk '$4 == "+" { print $2 }' "$TR" | sort | uniq -c | awk '$1 > 6' | wc -l | tr -d ' ')" 0
check_eq "no connection had more than 8 recipients refused" \
    "$(awk '$4 == "<" && $5 ~ /^[45][0-9][0-9]$/ && p[$3] == "RCPT" { n[$3]++ }
        $4 == ">" { p[$3] = $5 } END { m = 0; for (c in n) if (n[c] > m) m = n[c]; print m <= 8 }' "$TR")" 1
# hosts .8, .18, ... answer 421 and .9, .19, ... never answer: no QUIT there
check_eq "QUIT said on every connection to a working host" \
    "$(awk '{ split($2, o, "."); if (o[4] % 10 == 8 || o[4] % 10 == 9) next }
        $4 == "+" { c[$2 " " $3] = 1 } $4 == ">" && $5 == "QUIT" { q[$2 " " $3] = 1 }
        END { n = 0; for (k in c) if (!(k in q)) n++; print n }' "$TR")" 0
check_eq "politeness limits held (tests/lib/politeness.awk)" \
    "$(awk -v name=world -f "$TOP/tests/lib/politeness.awk" "$TR" | head -5)" ""
check "PIPELINING used: MAIL and RCPTs in one write" \
    grep -q '= write [3-9] cmds\|= write [1-9][0-9] cmds' "$TR"
check_eq "no pipelining to hosts without it" \
    "$(grep -c 'pipelined without PIPELINING' "$TR" || true)" 0
check_eq "at most two catch-all probes per domain (greylisted ones again)" \
    "$(grep ' > RCPT TO:<x' "$TR" | sed 's/.*@//' | sort | uniq -c | awk '$1 > 2' | wc -l | tr -d ' ')" 0

done_testing
