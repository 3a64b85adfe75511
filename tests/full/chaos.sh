#!/bin/sh
# tests/full/chaos.sh - the chaos run at full size (make test-full):
# 20,000 addresses over 500 domains, each domain's server with a random
# behaviour or fault (tests/lib/chaos.sh says which and what is checked);
# RSS compared with a run of 2,000 of them.
set -eu
. "$TOP/tests/lib/lib.sh"
. "$TOP/tests/lib/chaos.sh"

chaos 500 40
done_testing
