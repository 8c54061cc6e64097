#!/usr/bin/env bash
# exercises/05-bug-hunt/key/refresh.sh - keep the key answers right
# (instructor file: never in a handout).
#
#   exercises/05-bug-hunt/key/refresh.sh [--check | --out DIR] [Bn...]
#
# For each variant (default: all of key/variants.txt), rewrites two lines
# of key/answers-Bn.txt:
#   first_event:  the first event `muxview --check` reports for the
#                 variant's invariant in key/traces/Bn (changes only when
#                 the trace is recorded again: key/record.sh);
#   line:         where the planted line (key/variants.txt, column 4) is
#                 once key/Bn.patch is applied to this tree's src/ (moves
#                 when someone edits the file above it).
# It also says if a patch no longer applies. With --check nothing is
# written: exit 1 if any answers file is stale. With --out DIR the
# answers files are copied to DIR (answers-Bn.txt) with the line
# refreshed, the ones here left alone, a moved line only reported (exit
# 0): tests/integration/ex05_bug_hunt.sh grades with those, so a line
# moved by an edit above it does not fail the tests; a patch that no
# longer applies does, and so does a first event or invariant that no
# longer matches the trace (a person checks those).
#
# BUILD=DIR picks the build directory whose muxview is used (default build).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
key=$top/exercises/05-bug-hunt/key
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac

check=0 out=""
case ${1:-} in
--check) check=1; shift ;;
--out) out=${2:?--out needs a directory}; shift 2; mkdir -p "$out" || exit 1 ;;
esac
vs=("$@")
[ ${#vs[@]} -gt 0 ] ||
	mapfile -t vs < <(sed -n 's/^\(B[0-9][0-9]*\) *|.*/\1/p' "$key/variants.txt")

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
for v in "${vs[@]}"; do
	col() {
		awk -F'|' -v v="$v" -v n="$1" '$1 ~ "^" v " *$" {
			c = $n; sub(/^ +/, "", c); sub(/ +$/, "", c); print c; exit }' \
			"$key/variants.txt"
	}
	inv=$(col 3) text=$(col 4)
	ans=$key/answers-$v.txt
	patch=$key/$v.patch
	[ -n "$inv" ] && [ -f "$ans" ] && [ -f "$patch" ] || {
		echo "$v: incomplete (key/variants.txt, answers-$v.txt, $v.patch)" >&2
		rc=1; continue; }

	# the line: apply the patch to copies of its files
	w=$tmp/$v
	f=$(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$patch" | head -n 1)
	mkdir -p "$w/$(dirname "$f")" "$w.orig"
	cp "$top/$f" "$w/$f" && cp "$top/$f" "$w.orig/file" || { rc=1; continue; }
	if ! (cd "$w" && patch -p1 -s --no-backup-if-mismatch -r - <"$patch") \
		>"$tmp/$v.patch.log" 2>&1; then
		echo "$v: key/$v.patch no longer applies to $f:" >&2
		sed 's/^/   /' "$tmp/$v.patch.log" >&2
		rc=1; continue
	fi
	n=$(diff "$w.orig/file" "$w/$f" |
		sed -n 's/^[0-9,]*[ac]\([0-9]*\)\(,\([0-9]*\)\)\{0,1\}$/\1 \3/p' |
		while read -r lo hi; do
			[ -n "$hi" ] || hi=$lo
			sed -n "${lo},${hi}{=;p}" "$w/$f" | paste - - |
				awk -F'\t' -v t="$text" 'index($0, t) { print $1 }'
		done | head -n 1)
	if [ -z "$n" ]; then
		echo "$v: the patch adds no line holding '$text' (key/variants.txt, column 4)" >&2
		rc=1; continue
	fi
	line="src/${f##*/}:$n"

	# the first event: the shipped trace
	if [ ! -f "$key/traces/$v/metadata" ]; then
		echo "$v: no trace in key/traces/$v (key/record.sh $v)" >&2
		rc=1; continue
	fi
	ev=$("$build/muxview" --check -v "$key/traces/$v" 2>/dev/null |
		sed -n "s/^VIOLATION inv$inv event #\([0-9]*\) .*/\1/p" | sort -n | head -n 1)
	if [ -z "$ev" ]; then
		echo "$v: muxview --check finds invariant $inv unbroken in key/traces/$v" >&2
		rc=1; continue
	fi

	if [ -n "$out" ]; then
		cp "$ans" "$out/answers-$v.txt" || { rc=1; continue; }
		ans=$out/answers-$v.txt
	fi
	old_line=$(sed -n 's/^line:[[:space:]]*//p' "$ans" | head -n 1)
	old_ev=$(sed -n 's/^first_event:[[:space:]]*#\{0,1\}//p' "$ans" | head -n 1)
	old_inv=$(sed -n 's/^invariant:[[:space:]]*//p' "$ans" | head -n 1)
	if [ "$old_line" = "$line" ] && [ "$old_ev" = "$ev" ] && [ "$old_inv" = "$inv" ]; then
		echo "$v: up to date (invariant $inv, first_event #$ev, line $line)"
		continue
	fi
	if [ -n "$out" ] && { [ "$old_ev" != "$ev" ] || [ "$old_inv" != "$inv" ]; }; then
		# the trace changed: a person checks the new first event
		echo "$v: answers-$v.txt does not match key/traces/$v: invariant $old_inv, first_event #$old_ev; the trace says $inv, #$ev (check it, then run exercises/05-bug-hunt/key/refresh.sh)"
		rc=1; continue
	elif [ -n "$out" ]; then
		echo "$v: answers-$v.txt is stale: line $old_line; now $line (run exercises/05-bug-hunt/key/refresh.sh)"
	elif [ $check = 1 ]; then
		echo "$v: answers-$v.txt is stale: invariant $old_inv, first_event #$old_ev, line $old_line; now $inv, #$ev, $line (run exercises/05-bug-hunt/key/refresh.sh)"
		rc=1; continue
	fi
	sed -i -e "s|^invariant:.*|invariant: $inv|" \
		-e "s|^first_event:.*|first_event: #$ev|" \
		-e "s|^line:.*|line: $line|" "$ans"
	[ -n "$out" ] ||
	echo "$v: answers-$v.txt updated (invariant $inv, first_event #$ev, line $line)"
done
exit $rc
