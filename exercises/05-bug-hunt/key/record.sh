#!/usr/bin/env bash
# exercises/05-bug-hunt/key/record.sh - record the trace a variant's
# handout ships (instructor file: never in a handout).
#
#   exercises/05-bug-hunt/key/record.sh [--duration S] [--keep] Bn...
#
# For each variant: a handout of it (lab/handout 05 --variant Bn, in a
# temporary directory), built (the reference build directory, BUILD or
# build, is copied in first so make recompiles only what the patch
# changed), then one lab/record run of scenarios/hunt.cfg (ports moved to
# free ones; the copy keeps the name hunt.cfg, which run_start records) for
# S seconds (default 1). The recording is accepted only if LTTng discarded
# nothing, run_start names no bug mode, and `muxview --check` finds the
# variant's invariant (key/variants.txt) broken; then its
# ust/uid/0/64-bit/ folder replaces key/traces/Bn/. The size is printed:
# keep each under ~400 KB (lower the rates in hunt.cfg, or --duration).
#
# After re-recording, the key answers' first_event changes: write it from
# `build/muxview --check exercises/05-bug-hunt/key/traces/Bn` into
# key/answers-Bn.txt (and the line numbers if the sources moved:
# key/refresh.sh does both).
#
# Exit status: 0, 1 if a variant could not be recorded as asked.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
key=$top/exercises/05-bug-hunt/key
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
. "$top/lab/lib/ports.sh"

duration=1 keep=0 vs=()
while [ $# -gt 0 ]; do
	case $1 in
	--duration) duration=${2:?}; shift 2 ;;
	--keep) keep=1; shift ;;
	-*) echo "record.sh: unknown option $1" >&2; exit 1 ;;
	*) vs+=("$1"); shift ;;
	esac
done
[ ${#vs[@]} -gt 0 ] || { sed -n '2,24s/^# \{0,1\}//p' "$0"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ex05-rec.XXXXXX") || exit 1
trap '[ $keep = 1 ] || rm -rf "$tmp"' EXIT
rc=0
for v in "${vs[@]}"; do
	inv=$(sed -n "s/^$v *|[^|]*| *\([0-9]*\) *|.*/\1/p" "$key/variants.txt")
	[ -n "$inv" ] || { echo "$v: not in key/variants.txt" >&2; rc=1; continue; }
	# handout.sh wants a trace to copy: a placeholder for a first one
	mkdir -p "$key/traces/$v"
	ho=$tmp/$v
	if ! (cd "$top" && lab/handout 05 "$ho" --variant "$v") >"$tmp/$v.handout.log" 2>&1; then
		echo "$v: lab/handout failed: $(tail -n 2 "$tmp/$v.handout.log")" >&2
		rc=1; continue
	fi
	[ -d "$build" ] && cp -a "$build" "$ho/build"
	if ! make -C "$ho" -j2 BUILD=build all >"$tmp/$v.build.log" 2>&1; then
		echo "$v: the handout does not build (see $tmp/$v.build.log)" >&2
		keep=1; rc=1; continue
	fi
	mkdir -p "$tmp/$v.cfg"
	remap_ports "$ho/exercises/05-bug-hunt/scenarios/hunt.cfg" "$tmp/$v.cfg/hunt.cfg"
	rm -rf "$tmp/$v.rec"
	(cd "$ho" && BUILD=build timeout -k 5 $((duration + 60)) lab/record --duration "$duration" \
		--out "$tmp/$v.rec" "$tmp/$v.cfg/hunt.cfg") >"$tmp/$v.record.log" 2>&1
	r=$?
	t=$(find "$tmp/$v.rec" -name metadata -printf '%h\n' 2>/dev/null | head -n 1)
	if [ -z "$t" ]; then
		echo "$v: lab/record exit $r, no trace (see $tmp/$v.record.log)" >&2
		keep=1; rc=1; continue
	fi
	"$ho/build/muxview" --check "$t" >"$tmp/$v.check" 2>&1
	c=$?
	if grep -q 'bug="[^"]' "$tmp/$v.check" || [ $c = 2 ] ||
	   ! grep -qE "^invariant $inv .*FAIL" "$tmp/$v.check"; then
		echo "$v: lab/record exit $r, muxview --check exit $c, invariant $inv not broken (or events lost):" >&2
		tail -n 9 "$tmp/$v.check" | sed 's/^/   /' >&2
		keep=1; rc=1; continue
	fi
	rm -rf "$key/traces/$v"
	mkdir -p "$key/traces/$v"
	cp -a "$t/." "$key/traces/$v/"
	echo "$v: lab/record exit $r, $(du -sb "$key/traces/$v" | cut -f1) bytes, $(grep -E '^invariant [0-9] .*FAIL' "$tmp/$v.check" | sed 's/  */ /g' | tr '\n' ';')"
	grep -m1 "^VIOLATION inv$inv " "$tmp/$v.check" | sed 's/^/   first: /'
done
[ $keep = 0 ] || echo "work files kept in $tmp"
exit $rc
