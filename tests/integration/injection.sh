#!/bin/sh
# tests/integration/injection.sh - no byte sequence from the input (address
# lines, --helo, --from) can put an extra SMTP command on the wire.  A
# generated corpus of hostile lines (CR, CRLF, NUL, bare CR, U+2028,
# U+0085, quotes, brackets, spaces, backslashes, long lines) goes to a
# catch-all host and to one that echoes every RCPT back; every line the
# client sent must be one of the expected command shapes.
set -eu
. "$TOP/tests/lib/lib.sh"

cat >"$T/zone" <<'Z'
$TTL 300
catch.test. MX 10 mx.catch.test.
mx.catch.test. A 127.0.60.1
echo.test. MX 10 mx.echo.test.
mx.echo.test. A 127.0.60.2
Z
cat >"$T/smtp" <<'S'
host 127.0.60.1 mx.catch.test
catch-all
host 127.0.60.2 mx.echo.test
echo rcpt
catch-all
S
start_dns "$T/zone"
start_smtp "$T/smtp"

python3 "$TOP/tests/lib/gen-hostile-lines.py" 400 7 >"$T/in"
sed 's/@catch\.test/@echo.test/g' "$T/in" >>"$T/in2"
cat "$T/in2" >>"$T/in"
n=$(awk 'END { print NR }' "$T/in")
probe --no-catch-all --helo probe.test -f "$T/in"
check "no crash (exit $rc)" test "$rc" -lt 64
check_eq "one result per input line ($n)" "$(wc -l <"$T/out" | tr -d ' ')" "$n"
check_eq "no sanitizer report" "$(grep -c 'Sanitizer\|runtime error' "$T/err" || true)" 0

# every client line: EHLO/HELO name, MAIL FROM:<...>, RCPT TO:<addr>,
# RSET, QUIT, with nothing else (no escaped CR/NUL, no extra verb)
awk '$4 == ">" { sub(/^[^>]*> /, ""); print }' "$TR" >"$T/sent"
check "some commands were sent" test -s "$T/sent"
# the transcript escapes bytes (\r \0 \xHH ...) and doubles a backslash:
# with the doubled ones gone, no escape may be left
sed 's/\\\\//g' "$T/sent" | grep '\\' >"$T/odd" || true
grep -v -E '^(EHLO probe\.test|HELO probe\.test|MAIL FROM:<>( SMTPUTF8)?|RCPT TO:<[^<> ]+@(catch|echo)\.test>|RCPT TO:<".*"@(catch|echo)\.test>|RSET|QUIT)$' \
    "$T/sent" >>"$T/odd" || true
check_eq "every client line has an expected shape" "$(head -5 "$T/odd")" ""
check_eq "no violation logged by the server" "$(grep ' ! ' "$TR" | head -3)" ""
check_eq "no injected verb reached the server" \
    "$(grep -c -E ' > (DATA|VRFY|RCPT TO:<evil)' "$TR" || true)" 0
check_eq "RCPTs sent = addresses accepted as syntax" \
    "$(grep -c ' > RCPT TO:' "$TR" | tr -d ' ')" \
    "$(awk -F'\t' '$3 != "syntax" && $3 != "smtputf8_unsupported" && $3 != "no_domain"' "$T/out" | cut -f1 | sort -u | wc -l | tr -d ' ')"

# --helo and --from: anything with a control byte is refused (64)
for bad in "a.test
QUIT" "a.test$(printf '\r')" "a.test$(printf '\001')" "a b.test"; do
	mxp --helo "$bad" a@catch.test
	check_eq "--helo $(printf '%s' "$bad" | od -An -c | tr -s ' ' | head -c 40): 64" "$rc" 64
	mxp --from "x@$bad" a@catch.test
	check_eq "--from x@$(printf '%s' "$bad" | od -An -c | tr -s ' ' | head -c 40): 64" "$rc" 64
done

done_testing
