#!/bin/sh
# tests/demo.sh BIN - what "make demo" shows.
set -eu
bin=$1
cd "$(dirname "$0")/.."
echo "== mxprobe --syntax-only -f tests/cli/sample.txt"
"$bin" --syntax-only -f tests/cli/sample.txt || echo "(exit status $?)"
