#!/usr/bin/env bash
# The traces shipped in traces/ still load in muxview and give the checker
# verdicts recorded in traces/INDEX.md (clean for default-*, violations for
# bug-*). Prints PASS/FAIL lines; exit 0 when all pass.
# timeout: 120
cd "$(dirname "$0")/../.." || exit 1
exec bash traces/verify.sh
