#!/bin/sh
# tests/full/serve-soak.sh - the serve soak at full size (make test-full):
# 5,000 operations instead of 400; see tests/integration/serve-soak.sh.
set -eu
SOAK_OPS=${SOAK_OPS:-5000} . "$TOP/tests/integration/serve-soak.sh"
