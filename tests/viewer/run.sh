#!/usr/bin/env bash
# timeout: 300
# tests/viewer/run.sh - run every muxview test; prints the PASS/FAIL lines
# of each and "N passed, N failed" at the end. Exit 1 if any failed.
# About 75 s on an idle machine (most of it lttng session set-up).
# The scripts share one private LTTng session daemon started here
# (tests/viewer/lib.sh, lab/lib/lttng.sh).
#
# Environment: MUXVIEW, GENTRACE, TESTBIN (where test_* live): default to
# the top-level build (build/), else the standalone one (make -C viewer).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
trap 'rm -rf "$MUXVIEW_TRACES"; cleanup_lttng' EXIT
# one private LTTng session daemon for every script below (each one that
# needs it says so if this failed)
need_lttng || echo "note: $mxl_lttng_error"

out=$(mktemp)
for t in "$TESTBIN"/test_model "$TESTBIN"/test_view "$here"/t_*.sh; do
	if [ ! -x "$t" ] && [ "${t%.sh}" = "$t" ]; then
		echo "FAIL $(basename "$t"): not built (make -C viewer)"
		continue
	fi
	timeout 120 "$t" 2>&1
	rc=$?
	# a test that failed has said so; one that died has not
	if [ $rc = 124 ]; then
		echo "FAIL $(basename "$t"): timed out"
	elif [ $rc -gt 128 ]; then
		echo "FAIL $(basename "$t"): died of signal $((rc - 128)), its later checks not run"
	fi
done | tee "$out"
p=$(grep -c '^PASS ' "$out")
f=$(grep -c '^FAIL ' "$out")
rm -f "$out"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
