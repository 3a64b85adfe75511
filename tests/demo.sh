#!/bin/sh
# tests/demo.sh BIN - "make demo": a simulated mail network on loopback
# (fakedns + fakesmtp, 127.0.40.x), and mxprobe run over a sample list.
set -u
bin=$1
cd "$(dirname "$0")/.." || exit 70
top=$(pwd)
T=$(mktemp -d /tmp/mxp-demo.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

build/fakes/fakedns -z tests/scenarios/smtp-cases.zone -r "$T/dns" 2>/dev/null &
pids="$pids $!"
build/fakes/fakesmtp -s tests/scenarios/smtp-cases.smtp -r "$T/smtp" \
    -t "$T/transcript" -d 20 2>/dev/null &
pids="$pids $!"
i=0
while [ ! -s "$T/dns" ] || [ ! -s "$T/smtp" ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "demo: the fake servers did not start"; exit 1; }
	sleep 0.05
done
dns=127.0.0.1:$(cat "$T/dns")
port=$(cat "$T/smtp")

cat <<EOT
== A simulated mail network on loopback
   name server  $dns (tests/scenarios/smtp-cases.zone)
   mail hosts   127.0.40.1-14 port $port, 20 ms per reply (tests/scenarios/smtp-cases.smtp)

== mxprobe --dns $dns --port $port --allow-private --greylist-delay 2 \\
       --banner-timeout 3 -f tests/scenarios/demo-list.txt
EOT
"$bin" --dns "$dns" --port "$port" --allow-private --greylist-delay 2 \
    --banner-timeout 3 --order input -f tests/scenarios/demo-list.txt
echo "(exit status $?: the worst verdict; see docs/verdicts.md)"

echo
echo "== The same, as JSON, for one address"
"$bin" --dns "$dns" --port "$port" --allow-private --json nobody@ok.test
echo
echo "== --mx-only: mail routing from DNS alone"
"$bin" --dns "$dns" --mx-only --allow-private alice@backup.test u@nosuchdomain.test
echo
echo "== What the mail servers saw (first lines of their transcript)"
grep ' > ' "$T/transcript" | head -12
echo "   ... $(grep -c ' + ' "$T/transcript") connections, $(grep -c ' > ' "$T/transcript") commands, DATA never sent: $(grep -c 'DATA' "$T/transcript")"
