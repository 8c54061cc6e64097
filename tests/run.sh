#!/usr/bin/env bash
# tests/run.sh - run every muxlab test; the last line is "N passed, N failed".
#
# What runs, in order, each under `timeout` (120 s unless the script says
# "# timeout: N" in its header, the comment lines it starts with):
#   - every unit test binary build/tests/test_* (passes if it exits 0);
#   - tests/viewer/run.sh and tests/peers/*.sh, if present;
#   - tests/integration/*.sh.
# Scripts print "PASS name", "FAIL name: why" or "SKIP name: why" lines; each
# PASS and FAIL line counts. A script that exits non-zero (or times out)
# without printing a FAIL line counts as one failure; one that prints
# nothing and exits 0 counts as one pass. Full output of each test goes to
# build/test-logs/NAME.log; a failure prints the end of it.
#
# LTTng: the whole run uses one private session daemon (lab/lib/lttng.sh),
# started here and stopped (and waited for) at the end; for root the run
# first re-executes itself in a private mount namespace. So a test never
# meets another run's daemon, a user's daemon, or a daemon going away.
#
# Usage: tests/run.sh [FILTER]   (only tests whose name contains FILTER)
# Exit status: 0 if nothing failed, else 1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/lab/lib/lttng.sh"
mxl_lttng_isolate "$@"
cd "$top" || exit 1
build=${BUILD:-build}
logs=$build/test-logs
mkdir -p "$logs"
filter=${1:-}
export MUXLAB_TOP=$top

passed=0 failed=0
t_start=$(date +%s)

trap mxl_lttng_stop EXIT
trap 'exit 130' INT TERM
# a test that needs LTTng says so if this failed
mxl_lttng_start || echo "note: $mxl_lttng_error"

# timeout in seconds for script <1>
script_timeout() {
	local t
	t=$(awk '!/^#/ { exit } sub(/^# timeout: */, "") && /^[0-9]/ {
			print $0 + 0; exit }' "$1")
	echo "${t:-120}"
}

show_tail() {
	echo "    --- last lines of $1 ---"
	tail -n 15 "$1" | sed 's/^/    | /'
}

# run_binary NAME PATH: a unit test, pass = exit 0
run_binary() {
	local name=$1 path=$2 log=$logs/${1//\//_}.log rc t0
	t0=$(date +%s)
	timeout -k 5 120 "$path" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		printf 'PASS %-36s (%ds)\n' "$name" $(($(date +%s) - t0))
	else
		failed=$((failed + 1))
		[ $rc = 124 ] && why="timed out" || why="exit status $rc"
		printf 'FAIL %-36s %s\n' "$name" "$why"
		show_tail "$log"
	fi
}

# run_script NAME PATH: counts its PASS/FAIL lines
run_script() {
	local name=$1 path=$2 log=$logs/${1//\//_}.log rc t0 to np nf
	to=$(script_timeout "$path")
	t0=$(date +%s)
	echo "---- $name (timeout ${to}s)"
	timeout -k 10 "$to" bash "$path" >"$log" 2>&1 </dev/null
	rc=$?
	grep -E '^(PASS|FAIL|SKIP)\b' "$log" | sed 's/^/  /'
	np=$(grep -cE '^PASS\b' "$log")
	nf=$(grep -cE '^FAIL\b' "$log")
	if [ $rc != 0 ] && [ "$nf" = 0 ]; then
		nf=1
		[ $rc = 124 ] && why="timed out after ${to}s" ||
			why="exit status $rc"
		echo "  FAIL $name: $why"
	fi
	if [ "$np" = 0 ] && [ "$nf" = 0 ]; then
		if grep -qE '^SKIP\b' "$log"; then
			:
		else
			np=1
			echo "  PASS $name"
		fi
	fi
	passed=$((passed + np))
	failed=$((failed + nf))
	[ "$nf" != 0 ] && show_tail "$log"
	echo "     -> $name: $np PASS, $nf FAIL, $(($(date +%s) - t0))s"
}

want() {
	[ -z "$filter" ] || case $1 in *"$filter"*) return 0 ;; *) return 1 ;; esac
}

echo "== unit tests ($build/tests)"
for t in "$build"/tests/test_*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	name=unit/$(basename "$t")
	want "$name" && run_binary "$name" "$t"
done

if [ -f tests/viewer/run.sh ] && want viewer/run.sh; then
	echo "== viewer tests"
	run_script viewer/run.sh tests/viewer/run.sh
fi

for s in tests/peers/*.sh; do
	[ -f "$s" ] || continue
	name=peers/$(basename "$s")
	want "$name" || continue
	run_script "$name" "$s"
done

echo "== integration tests"
for s in tests/integration/*.sh; do
	[ -f "$s" ] || continue
	name=integration/$(basename "$s")
	want "$name" || continue
	run_script "$name" "$s"
done

echo "(logs in $logs, $(($(date +%s) - t_start)) s in all)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
