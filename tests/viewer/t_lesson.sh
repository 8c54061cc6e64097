#!/usr/bin/env bash
# The lesson at a glance, on the shipped traces (no LTTng needed): under
# tmux, at whole-trace zoom, at 80x24 and 200x60, the first screen of
# traces/default-legacy is red L in every io_cb cell and that of
# traces/default-usr1 green f, with a few red cells on back rows only.
# Asserted on the screen cells and their colours (tmux capture-pane -e),
# and, with --mono, on the glyphs alone. Each assertion is also run on the
# other trace, where it must fail (so it cannot pass by accident). Every
# bin that holds a locked back io_cb of the usr1 trace (computed from
# babeltrace2's text, not from muxview) must be red: none is hidden among
# fast ones. Then `muxview A B` (two traces, one axis) under tmux and in
# --dump.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { fail lesson.tmux "tmux is not installed"; exit 1; }
usr1=$top/traces/default-usr1
legacy=$top/traces/default-legacy
[ -f "$usr1/metadata" ] && [ -f "$legacy/metadata" ] ||
	{ fail lesson.traces "traces/default-usr1 or default-legacy missing"; exit 1; }

sock=view-lesson-$$
work=$(mktemp -d)
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"; cleanup_lttng' EXIT
rc=0

# show COLS ROWS ARGS...: the viewer under tmux; waits for the first
# screen, leaves it in $work/plain (text) and $work/esc (with SGR codes)
show() {
	local c=$1 r=$2 i
	shift 2
	tm kill-server 2>/dev/null
	tm new-session -d -x "$c" -y "$r" -s mv \
		"exec env TERM=xterm-256color $MUXVIEW $*"
	for i in $(seq 100); do
		tm capture-pane -p -t mv >"$work/plain" 2>/dev/null
		grep -q 'pause' "$work/plain" && grep -q 'front|' "$work/plain" &&
			break
		sleep 0.1
	done
	sleep 0.2
	tm capture-pane -p -t mv >"$work/plain"
	tm capture-pane -p -e -t mv >"$work/esc"
	tm send-keys -t mv q
}

# colours FILE: each line of a capture with escape codes as one letter per
# visible character: g green, r red, other letters for other colours,
# '.' the default colour
colours() {
	awk 'BEGIN { E = sprintf("%c", 27); map["31"] = "r"; map["32"] = "g";
		map["33"] = "y"; map["34"] = "b"; map["35"] = "m";
		map["36"] = "c"; map["37"] = "w"; map["30"] = "k" }
	{
		line = $0; out = ""; fg = "."
		while (length(line)) {
			i = index(line, E)
			if (i == 0) { out = out rep(fg, length(line)); break }
			out = out rep(fg, i - 1)
			line = substr(line, i + 2)	# ESC [
			j = index(line, "m")
			n = split(substr(line, 1, j - 1), p, ";")
			for (k = 1; k <= n; k++) {
				if (p[k] == "" || p[k] == "0" || p[k] == "39")
					fg = "."
				else if (p[k] in map)
					fg = map[p[k]]
				else if (p[k] == "38") { fg = "x"; k += 2 }
				else if (p[k] == "48") k += 2
			}
			line = substr(line, j + 1)
		}
		print out
	}
	function rep(c, n,   s) { s = ""; while (n-- > 0) s = s c; return s }' "$1"
}

# io_cells: the bin cells (after the 12-column label, before the 13-column
# right margin) of every front or back row: "CHAR COLOUR" per cell, one
# row per line, prefixed with the row name
io_cells() {
	local cols=$1
	colours "$work/esc" >"$work/col"
	paste -d '\t' "$work/plain" "$work/col" | awk -F '\t' -v w="$cols" '
		{ name = substr($1, 7, 6) }
		name == "front|" || name == " back|" {
			t = substr($1, 13, w - 25); c = substr($2, 13, w - 25)
			s = ""
			for (i = 1; i <= length(t); i++)
				if (substr(t, i, 1) != " " && substr(t, i, 1) != "|")
					s = s substr(t, i, 1) substr(c, i, 1) " "
			print name, s
		}'
}

# usr1_story: front rows all green f; back rows green f with at least one
# red cell, and red cells a minority
usr1_story() {
	awk '
		$1 == "front|" { nf++; for (i = 2; i <= NF; i++) if ($i != "fg") badf++ }
		$1 == "back|" { nb++; for (i = 2; i <= NF; i++) {
				if ($i == "fg") g++; else if ($i ~ /^[L1-9#]r$/) r++;
				else badb++ } }
		END { if (nf < 2 || nb < 2 || badf || badb || r < 1 || r * 5 > g + r) {
				printf "front rows %d (non-green-f %d), back rows %d: %d green, %d red, %d other", nf, badf, nb, g, r, badb
				exit 1 } }'
}

# legacy_story: every io cell red L, no green anywhere
legacy_story() {
	awk '
		{ n++; for (i = 2; i <= NF; i++) { c++; if ($i != "Lr") bad++ } }
		END { if (n < 4 || c < 20 || bad) {
				printf "%d io rows, %d cells, %d not red L", n, c, bad
				exit 1 } }'
}

# rare_cells COLS: "TID COLUMN" of every bin holding a locked back io_cb
# of the usr1 trace on a whole-trace screen COLS wide, computed from
# babeltrace2's text (not from muxview)
rare_cells() {
	babeltrace2 "$usr1" | awk -v w=$(($1 - 25)) 'BEGIN { n = 0 }
	function ns(s,  a) { split(substr(s, 2, 18), a, /[:.]/)
		return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1e9 + a[4] }
	NR == 1 { t0 = ns($1) }
	{ last = ns($1) }
	/muxlab:io_cb:/ && /side = \( "back"/ && /path = \( "locked"/ {
		match($0, /[{] tid = [0-9]+/)
		th[n] = substr($0, RSTART + 8, RLENGTH - 8); t[n++] = ns($1) }
	END { s = last - t0 + 1; span = s + int(s / 64) + 1
		for (i = 0; i < n; i++) print th[i], int((t[i] - t0) * w / span) }' |
	sort -u
}

# rare_shown: each of those bins is red on its thread's back row
rare_shown() {
	local tid c line colour bad=0 n=0
	while read -r tid c; do
		n=$((n + 1))
		line=$(grep -n "^[> ]T$tid " "$work/plain" | head -1 | cut -d: -f1)
		colour=$(sed -n "$((line + 1))p" "$work/col" | cut -c$((13 + c)))
		[ "$colour" = r ] || { bad=$((bad + 1)); echo "T$tid column $c is '$colour'"; }
	done
	[ $n -gt 0 ] && [ $bad -eq 0 ]
}

for size in 80x24 200x60; do
	cols=${size%x*} rows=${size#*x}
	show "$cols" "$rows" "$usr1"
	io_cells "$cols" >"$work/usr1.cells"
	cp "$work/plain" "$work/usr1.$size.txt"
	if command -v babeltrace2 >/dev/null; then
		if why=$(rare_cells "$cols" | rare_shown); then
			pass "lesson.every_locked_back_io_cb_shows_$size"
		else
			fail "lesson.every_locked_back_io_cb_shows_$size" "$(echo "$why" | head -3 | tr '\n' '|')"
			rc=1
		fi
	fi
	show "$cols" "$rows" "$legacy"
	io_cells "$cols" >"$work/legacy.cells"
	cp "$work/plain" "$work/legacy.$size.txt"

	if why=$(usr1_story <"$work/usr1.cells"); then
		pass "lesson.usr1_green_few_red_back_$size"
	else
		fail "lesson.usr1_green_few_red_back_$size" "$why: $(head -4 "$work/usr1.$size.txt" | tail -1)"
		rc=1
	fi
	if why=$(legacy_story <"$work/legacy.cells"); then
		pass "lesson.legacy_red_everywhere_$size"
	else
		fail "lesson.legacy_red_everywhere_$size" "$why"
		rc=1
	fi
	# each story must fail on the other trace: the checks can fail
	if ! usr1_story <"$work/legacy.cells" >/dev/null &&
	   ! legacy_story <"$work/usr1.cells" >/dev/null; then
		pass "lesson.stories_tell_the_traces_apart_$size"
	else
		fail "lesson.stories_tell_the_traces_apart_$size" "a story holds on the other trace"
		rc=1
	fi
	# the legend says what the glyphs mean, whole words only
	if grep -q 'f all fast' "$work/usr1.$size.txt" &&
	   grep -q 'L all locked' "$work/usr1.$size.txt"; then
		pass "lesson.legend_$size"
	else
		fail "lesson.legend_$size" "no legend of f and L"
		rc=1
	fi
done

# --mono: no colour, the glyphs alone tell the story
show 80 24 --mono "$usr1"
tr -d '\033' <"$work/esc" | grep -q '\[3[12]m' &&
	{ fail lesson.mono_no_colour "colour codes with --mono"; rc=1; } ||
	pass lesson.mono_no_colour
fronts=$(awk 'substr($0, 7, 6) == "front|" { print substr($0, 13, 55) }' "$work/plain" | tr -d ' ')
backs=$(awk 'substr($0, 7, 6) == " back|" { print substr($0, 13, 55) }' "$work/plain" | tr -d ' ')
if [ -n "$fronts" ] && [ -z "$(echo "$fronts" | tr -d 'f\n')" ] &&
   echo "$backs" | grep -q '[L1-9#]'; then
	pass lesson.mono_glyphs
else
	fail lesson.mono_glyphs "front '$fronts' back '$backs'"
	rc=1
fi

# muxview A B: one above the other, common axis, counters side by side
# (the counts from babeltrace2's text: written here, they would answer
# exercise 01 in every handout)
show 80 24 "$legacy" "$usr1"
# io_cb_row TRACE: "FAST LOCKED PERCENT-LOCKED" of TRACE's io_cb events
io_cb_row() {
	babeltrace2 "$1" 2>/dev/null | awk '/ muxlab:io_cb: / {
		if (/path = \( "locked"/) l++; else f++ }
		END { printf "%d +%d +%.1f\n", f, l, (f + l) ? 100 * l / (f + l) : 0 }' |
		sed 's/\./\\./'
}
if grep -q '^>A default-legacy  mode=legacy' "$work/plain" &&
   grep -q '^ B default-usr1  mode=usr1' "$work/plain" &&
   grep -qE "^A default-legacy +legacy +$(io_cb_row "$legacy")" "$work/plain" &&
   grep -qE "^B default-usr1 +usr1 +$(io_cb_row "$usr1")" "$work/plain"; then
	pass lesson.two_traces_tui
else
	fail lesson.two_traces_tui "$(head -12 "$work/plain" | tr '\n' '|')"
	rc=1
fi
io_cells 80 >"$work/ab.cells"
# the first four io rows are A's (legacy), the next four B's (usr1)
if head -4 "$work/ab.cells" | legacy_story >/dev/null &&
   tail -n +5 "$work/ab.cells" | usr1_story >/dev/null; then
	pass lesson.two_traces_contrast
else
	fail lesson.two_traces_contrast "A not all red L or B not green f"
	rc=1
fi
# o: keys act on B; the window stays common
tm new-session -d -x 80 -y 24 -s ab "exec env TERM=xterm-256color $MUXVIEW $legacy $usr1"
for i in $(seq 50); do tm capture-pane -p -t ab | grep -q pause && break; sleep 0.1; done
tm send-keys -t ab o t
sleep 0.5
out=$(tm capture-pane -p -t ab)
tm send-keys -t ab q
if echo "$out" | grep -q 'cursor B +0.2235' &&
   echo "$out" | grep -q '^>B default-usr1'; then
	pass lesson.two_traces_switch
else
	fail lesson.two_traces_switch "$(echo "$out" | sed -n 2p)"
	rc=1
fi

# the same in --dump, at 200x60 too; the relative axis is common
d=$("$MUXVIEW" --dump --size 200x60 "$usr1" "$legacy")
if echo "$d" | grep -q '^>A default-usr1' && echo "$d" | grep -q '^ B default-legacy' &&
   [ "$(echo "$d" | grep -c '^thread  row|')" = 1 ]; then
	pass lesson.two_traces_dump
else
	fail lesson.two_traces_dump "$(echo "$d" | head -5 | tr '\n' '|')"
	rc=1
fi
"$MUXVIEW" --dump "$usr1" "$legacy" "$usr1" >/dev/null 2>&1
[ $? -eq 2 ] && pass lesson.three_traces_refused ||
	{ fail lesson.three_traces_refused "three traces accepted"; rc=1; }
exit $rc
