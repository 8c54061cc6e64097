#!/usr/bin/env bash
# traces/verify.sh - check that the reference traces still load and still
# give the checker verdict recorded in traces/INDEX.md.
#
#   traces/verify.sh [NAME...]      (default: every trace of the index)
#
# For each row of the table in INDEX.md (columns `trace`, `events` and
# `--check verdict`), it checks:
#   - build/muxview --stats loads the trace (exit 0) and counts the same
#     number of events, with 0 discarded;
#   - babeltrace2, if installed, reads it without error;
#   - build/muxview --check prints the recorded `result:` line (OK, or
#     FAIL: N violations) with the matching exit status (0 or 1).
# Prints `PASS name` or `FAIL name: why` per trace; exit 0 if all pass,
# 1 otherwise (also if the index or muxview is missing).
# MUXVIEW overrides the muxview binary (default build/muxview).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
index=$here/INDEX.md
muxview=${MUXVIEW:-$top/build/muxview}

[ -f "$index" ] || { echo "FAIL index: $index not found"; exit 1; }
[ -x "$muxview" ] || { echo "FAIL muxview: $muxview not built (make all)"; exit 1; }
have_bt=0
command -v babeltrace2 >/dev/null 2>&1 && have_bt=1

# The table: the header row names the columns; data rows start with "| `".
# Output: name<TAB>events<TAB>verdict, one line per trace.
rows=$(awk -F'|' '
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); gsub(/`/, "", s); return s }
	!hdr && /^\|/ {
		for (i = 2; i < NF; i++) {
			h = trim($i)
			if (h == "trace") ct = i
			else if (h == "events") ce = i
			else if (h ~ /verdict/) cv = i
		}
		if (ct && ce && cv) hdr = 1
		next
	}
	hdr && /^\| *`/ { printf "%s\t%s\t%s\n", trim($ct), trim($ce), trim($cv) }
	hdr && !/^\|/ { exit }
' "$index")
[ -n "$rows" ] || { echo "FAIL index: no trace table found in $index"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/muxlab-verify.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

want() {	# is $1 among the names given on the command line (or none given)?
	[ $# -eq 1 ] && return 0
	local n=$1; shift
	for a; do [ "$a" = "$n" ] && return 0; done
	return 1
}

fails=0 seen=0
while IFS=$'\t' read -r name events verdict; do
	want "$name" "$@" || continue
	seen=$((seen + 1))
	dir=$here/$name
	why=""
	if [ ! -f "$dir/metadata" ]; then
		why="no $dir/metadata"
	elif ! "$muxview" --stats "$dir" >"$tmp/stats" 2>&1; then
		why="muxview --stats failed: $(head -n 1 "$tmp/stats")"
	else
		line=$(grep -m1 '^events:' "$tmp/stats")
		n=$(echo "$line" | sed -n 's/^events: *\([0-9][0-9]*\).*/\1/p')
		d=$(echo "$line" | sed -n 's/.*discarded: *\([0-9][0-9]*\).*/\1/p')
		if [ "$n" != "$events" ]; then
			why="$n events, the index says $events"
		elif [ "$d" != 0 ]; then
			why="$d events discarded"
		fi
	fi
	if [ -z "$why" ] && [ $have_bt = 1 ]; then
		if ! babeltrace2 "$dir" >/dev/null 2>"$tmp/bt.err"; then
			why="babeltrace2 failed: $(head -n 1 "$tmp/bt.err")"
		elif [ -s "$tmp/bt.err" ]; then
			why="babeltrace2 warns: $(head -n 1 "$tmp/bt.err")"
		fi
	fi
	if [ -z "$why" ]; then
		"$muxview" --check "$dir" >"$tmp/check" 2>&1
		rc=$?
		got=$(sed -n 's/^result: *//p' "$tmp/check" | head -n 1)
		case $verdict in OK) xrc=0 ;; FAIL*) xrc=1 ;; *) xrc=x ;; esac
		if [ "$xrc" = x ]; then
			why="unknown verdict '$verdict' in the index"
		elif [ "$got" != "$verdict" ]; then
			why="--check says '${got:-nothing}', the index says '$verdict'"
		elif [ $rc != $xrc ]; then
			why="--check exited $rc, expected $xrc"
		fi
	fi
	if [ -z "$why" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name: $why"
		fails=$((fails + 1))
	fi
done <<<"$rows"

if [ $# -gt 0 ] && [ $seen -lt $# ]; then
	echo "FAIL args: some names given are not in $index"
	fails=$((fails + 1))
fi
[ $fails = 0 ]
