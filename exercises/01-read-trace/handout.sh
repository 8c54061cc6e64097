#!/usr/bin/env bash
# exercises/01-read-trace/handout.sh - the extra step of `lab/handout 01`
# (instructor file: never in a handout). lab/handout runs it in the new
# handout's top directory.
#
# traces/INDEX.md describes each shipped trace with what to look for in
# it: for the three traces exercise 01 asks about, that is the answers
# (the first steal's event and connection, the counts of locked io_cbs,
# lock acquisitions and h2 inserts...). The handout's copy keeps how each
# trace was recorded and its event count (traces/verify.sh reads them)
# and drops those figures. So does the copy of docs/muxview.md, whose
# example screen is default-usr1's.
set -u
f=traces/INDEX.md
[ -f "$f" ] || { echo "handout.sh: no $f" >&2; exit 1; }
awk -F'|' -v OFS='|' '
	# a table row of one of the three traces: "| `NAME` | what | ... |"
	$2 ~ /^ `(default-usr1|default-legacy|h2-usr1)` $/ {
		# "what it shows": drop its sentences that hold figures
		n = split($3, s, /\. /)
		w = ""
		for (i = 1; i <= n; i++)
			if (s[i] !~ /(^|[ (#])[0-9]/)
				w = w (w == "" ? "" : ". ") s[i]
		sub(/^ +/, "", w)
		sub(/\.? *$/, ".", w)
		$3 = " " w " "
		$(NF - 1) = " Exercise 01 asks about this trace: what to look for in it is yours to find (EXERCISE.md). "
		found++
	}
	{ print }
	END { if (found != 3) exit 3 }' "$f" >"$f.new" ||
	{ echo "handout.sh: $f no longer has the three rows of exercise 01" >&2; exit 1; }
# other rows: a comparison with default-usr1's figures, and a connection
# id the bug traces share with default-usr1's first steal (same seed)
sed -i 's/ (\([0-9][0-9]*\) in default-usr1)//; s/while conn [0-9][0-9]* sits/while a conn sits/' "$f.new"
mv "$f.new" "$f"

# docs/muxview.md shows default-usr1's first screen as an example: its
# window sums (locked io_cb, steals, freed tasklets per thread) answer
# questions 3 and 5. The handout's copy keeps the screen, sums blanked.
d=docs/muxview.md
[ -f "$d" ] || { echo "handout.sh: no $d" >&2; exit 1; }
awk '
	/^    muxview default-usr1 / { on = 1 }
	on && /^    \? help/ { on = 0; done = 1 }
	# a lane row (84 columns: 4 of indent, 80 of screen) ends in the two
	# window sums, 6 columns each
	on && /\|/ && !/window sum/ && length($0) == 84 {
		$0 = substr($0, 1, 72) "    ..    .."
	}
	{ print }
	END { if (!done) exit 3 }' "$d" >"$d.new" ||
	{ echo "handout.sh: $d no longer shows default-usr1's screen" >&2; exit 1; }
mv "$d.new" "$d"

