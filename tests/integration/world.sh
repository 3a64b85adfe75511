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
probe --greylist-delay 2 --banner-timeout 2 --concurrency 64 -f "$T/w/list.txt"
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
conns=$(grep -c ' + ' "$TR")
check "connections: at most --per-domain (2) per domain, +1 per greylisting burst ($conns for 50 domains)" \
    test "$conns" -le 105
check_eq "no host got more than 3 connections" \
    "$(awk '$4 == "+" { print $2 }' "$TR" | sort | uniq -c | awk '$1 > 3' | wc -l | tr -d ' ')" 0
# hosts .8, .18, ... answer 421 and .9, .19, ... never answer: no QUIT there
check_eq "QUIT said on every connection to a working host" \
    "$(awk '{ split($2, o, "."); if (o[4] % 10 == 8 || o[4] % 10 == 9) next }
        $4 == "+" { c[$2 " " $3] = 1 } $4 == ">" && $5 == "QUIT" { q[$2 " " $3] = 1 }
        END { n = 0; for (k in c) if (!(k in q)) n++; print n }' "$TR")" 0
check "PIPELINING used: MAIL and RCPTs in one write" \
    grep -q '= write [3-9] cmds\|= write [1-9][0-9] cmds' "$TR"
check_eq "no pipelining to hosts without it" \
    "$(grep -c 'pipelined without PIPELINING' "$TR" || true)" 0
check_eq "at most two catch-all probes per domain (greylisted ones again)" \
    "$(grep ' > RCPT TO:<x' "$TR" | sed 's/.*@//' | sort | uniq -c | awk '$1 > 2' | wc -l | tr -d ' ')" 0

done_testing
