#!/bin/sh
# tests/integration/chaos.sh - the chaos run at CI size: 2,000 addresses
# over 100 domains, each domain's server with a random behaviour or fault
# (tests/lib/chaos.sh says which and what is checked).  Natively < 60 s.
# Under ASan or qemu: 1,000 over 50, to keep "make test" short.
set -eu
. "$TOP/tests/lib/lib.sh"
. "$TOP/tests/lib/chaos.sh"

if [ -n "$MXP_QEMU" ] || [ "$MXP_SAN" = 1 ]; then
	chaos 50 20
else
	chaos 100 20
fi
done_testing
