#!/usr/bin/env bash
# Viewer checks on the shipped traces (no LTTng needed): the io_cb pane
# says what --stats says; a directory of several recordings is refused;
# --event N opens a window whose header, axis and lanes agree; a cut
# metadata file exits 2 in seconds (babeltrace2 itself hangs on it); an
# emptied or missing stream file makes --check inconclusive, not a FAIL;
# --stats A B keeps its rows in order and gives percentage rows as
# points; at 80x24 nothing is cut mid-word; --svg --labels says on stderr
# when the window is too long to name its events; the help does not let
# keys through; a bad path is named even without a terminal. Where it makes
# sense a check is also run on an input built to break it, and must fail.
. "$(dirname "$0")/lib.sh"
rc=0
T=$top/traces
work=$(mktemp -d)
sock=view-shipped-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$work"; cleanup_lttng' EXIT
ok() { pass "$1"; }
ko() { fail "$1" "$2"; rc=1; }

# ---- the io_cb pane equals --stats ----

# pane_numbers TRACE: "T0 fast locked ff fl bf bl h1L h2L fcgiL" per thread
pane_numbers() {
	"$MUXVIEW" --dump --pane iocb --size 120x40 "$1" | awk '
		/^thr +io_cb fast/ { on = 1; next }
		on && /^T[0-9]+ / { gsub("/", " "); print $1, $2, $3, $5, $6,
					     $7, $8, $9, $10, $11 }'
}
# stats_numbers TRACE: the same from --stats
stats_numbers() {
	"$MUXVIEW" --stats "$1" | awk '
		/^per thread/ { for (i = 3; i <= NF; i++) if ($i ~ /^T/) nt++ }
		/^  io_cb fast / { for (t = 0; t < nt; t++) f[t] = $(3 + t) }
		/^  io_cb locked / && !/%/ { for (t = 0; t < nt; t++) l[t] = $(3 + t) }
		/^    (front|back) [a-z0-9?]+ (fast|locked) / {
			for (t = 0; t < nt; t++) {
				v = $(4 + t)
				if ($1 == "front" && $3 == "fast") ff[t] += v
				if ($1 == "front" && $3 == "locked") fl[t] += v
				if ($1 == "back" && $3 == "fast") bf[t] += v
				if ($1 == "back" && $3 == "locked") bl[t] += v
				if ($3 == "locked") ml[$2, t] += v
			}
		}
		END { for (t = 0; t < nt; t++)
			print "T" t, f[t], l[t], ff[t] + 0, fl[t] + 0, bf[t] + 0,
			      bl[t] + 0, ml["h1", t] + 0, ml["h2", t] + 0,
			      ml["fcgi", t] + 0 }'
}
all=1
for tr in default-usr1 default-legacy h2-usr1 bug-no-usr1-set; do
	p=$(pane_numbers "$T/$tr") s=$(stats_numbers "$T/$tr")
	if [ -z "$p" ] || [ "$p" != "$s" ]; then
		ko "shipped.iocb_pane_equals_stats_$tr" "pane '$(echo $p)' stats '$(echo $s)'"
		all=0
	fi
done
[ $all = 1 ] && ok shipped.iocb_pane_equals_stats
# built to break it: another trace's --stats must not match
[ "$(pane_numbers "$T/default-usr1")" != "$(stats_numbers "$T/h2-usr1")" ] &&
	ok shipped.iocb_pane_check_can_fail ||
	ko shipped.iocb_pane_check_can_fail "the comparison cannot fail"

# ---- a directory of several recordings ----

for mode in --stats --check --dump ""; do
	out=$("$MUXVIEW" $mode "$T" 2>&1 </dev/null); st=$?
	n=$(echo "$out" | grep -cE '^  .*/(default-usr1|default-legacy|h2-usr1|bug-[a-z0-9-]+)$')
	if [ $st -ne 2 ] || ! echo "$out" | grep -q 'separate recordings' ||
	   [ "$n" -ne 6 ]; then
		ko "shipped.several_traces_refused${mode:- (viewer)}" "exit $st, $n listed: $(echo "$out" | head -2)"
		all=0
	fi
done
[ "$all" = 1 ] && ok shipped.several_traces_refused
# recordings in LTTng's layout are listed by the directory lab/record
# prints, not by the .../ust/uid/0/64-bit that holds their metadata
mkdir -p "$work/lay/recA/ust/uid/0" "$work/lay/recB/ust/uid/0"
cp -r "$T/default-usr1" "$work/lay/recA/ust/uid/0/64-bit"
cp -r "$T/default-legacy" "$work/lay/recB/ust/uid/0/64-bit"
out=$("$MUXVIEW" --stats "$work/lay" 2>&1); st=$?
if [ $st -eq 2 ] && echo "$out" | grep -qx "  $work/lay/recA" &&
   echo "$out" | grep -qx "  $work/lay/recB" && ! echo "$out" | grep -q /ust/
then
	ok shipped.several_listed_by_recording
else
	ko shipped.several_listed_by_recording "exit $st: $(echo "$out" | tail -2)"
fi
# one recording below a directory is still found and opened
mkdir -p "$work/one/sub"
cp -r "$T/default-usr1" "$work/one/sub/"
"$MUXVIEW" --check "$work/one" >/dev/null 2>&1 &&
	ok shipped.one_trace_below_accepted ||
	ko shipped.one_trace_below_accepted "a single nested trace refused"

# ---- --event N: header, axis and lanes show one window ----

# window_ok DUMP: the axis ticks sit where the header's window puts them,
# the cursor mark 'v' sits where the header's cursor time puts it
window_ok() {
	awk '
	NR == 2 { a = $2; sub(/^\+/, "", a); w = $4
		u = w ~ /ms$/ ? 1e-3 : w ~ /us$/ ? 1e-6 : w ~ /ns$/ ? 1e-9 : 1
		sub(/[a-z]+$/, "", w); w *= u
		for (i = 1; i <= NF; i++) if ($i == "cursor") { c = $(i + 1); sub(/^\+/, "", c) } }
	NR == 3 { axis = $0 }
	END {
		cols = length(axis) > 0 ? 55 : 0; bad = 0; ticks = 0
		if (a < 0 || c < a || c > a + w) { print "cursor " c " outside window " a "+" w; exit 1 }
		vcol = index(substr(axis, 13), "v") - 1
		want = int((c - a) / w * cols)
		if (vcol < 0 || vcol < want - 1 || vcol > want + 1) { print "v at column " vcol ", the header says " want; exit 1 }
		rest = substr(axis, 13, cols)
		for (i = 1; i <= cols; i++) {
			if (substr(rest, i, 1) != "|") continue
			lab = substr(rest, i + 1); sub(/[|v ].*/, "", lab)
			if (lab !~ /^[0-9.]+(s|ms|us|ns)$/) continue
			u = lab ~ /ms$/ ? 1e-3 : lab ~ /us$/ ? 1e-6 : lab ~ /ns$/ ? 1e-9 : 1
			t = lab; sub(/[a-z]+$/, "", t); t *= u; ticks++
			col = (t - a) / w * cols
			if (col < i - 2.5 || col > i + 0.5) { print "tick " lab " at column " i - 1 ", the header puts it at " col; exit 1 }
		}
		if (!ticks) { print "no tick label"; exit 1 }
	}' <<<"$1"
}
all=1
last=$(( $("$MUXVIEW" --stats "$T/default-usr1" | awk '/^  total/ { print $2 }') - 1 ))
for spec in "0" "4000" "9000" "$last" "4000 --span 10ms" "5 --span 40ms" \
	    "$last --span 1ms" "3592 --span 200us"; do
	set -- $spec
	tr=$T/default-usr1
	[ "$1" = 3592 ] && tr=$T/bug-no-usr1-set
	d=$("$MUXVIEW" --dump --event $spec "$tr" 2>&1)
	if ! why=$(window_ok "$d"); then
		ko "shipped.event_window_$(echo $spec | tr ' ' _)" "$why: $(echo "$d" | sed -n 2,3p | tr '\n' '|')"
		all=0
	elif ! echo "$d" | grep -q "^#$1 +"; then
		ko "shipped.event_window_$(echo $spec | tr ' ' _)" "the detail pane is not on event #$1"
		all=0
	fi
done
for at in 0.5 0.0001 1.0; do
	d=$("$MUXVIEW" --dump --at $at --span 20ms "$T/default-legacy" 2>&1)
	why=$(window_ok "$d") ||
		{ ko "shipped.at_window_$at" "$why: $(echo "$d" | sed -n 2p)"; all=0; }
done
[ $all = 1 ] && ok shipped.event_window_consistent
# on the whole trace, --event N draws the very lanes of the first screen
# (the old bug: the window slid by half, half the lanes were blank)
a=$("$MUXVIEW" --dump "$T/default-usr1" | grep -E '^( |>)T[0-9]|^ +(back|flag|lock)\|' | cut -c2-67)
b=$("$MUXVIEW" --dump --event 9000 "$T/default-usr1" | grep -E '^( |>)T[0-9]|^ +(back|flag|lock)\|' | cut -c2-67)
[ -n "$a" ] && [ "$(echo "$a" | tr -d '|v')" = "$(echo "$b" | tr -d '|v')" ] &&
	ok shipped.event_keeps_lanes || ko shipped.event_keeps_lanes "lanes differ from the first screen"
# built to break it: an axis shifted by 5 columns must be caught
d=$("$MUXVIEW" --dump --event 4000 "$T/default-usr1")
bad=$(echo "$d" | awk 'NR == 3 { $0 = substr($0, 1, 12) "     " substr($0, 13) } { print }')
window_ok "$bad" >/dev/null && ko shipped.event_window_check_can_fail "a shifted axis passed" ||
	ok shipped.event_window_check_can_fail

# ---- bad input: cut metadata, missing streams ----

cp -r "$T/default-usr1" "$work/cutmeta"
truncate -s 5000 "$work/cutmeta/metadata"
start=$(date +%s)
out=$(timeout 30 "$MUXVIEW" --check "$work/cutmeta" 2>&1); st=$?
took=$(( $(date +%s) - start ))
if [ $st -eq 2 ] && [ $took -le 10 ] && echo "$out" | grep -q 'metadata file is truncated'; then
	ok shipped.cut_metadata_exits_2
else
	ko shipped.cut_metadata_exits_2 "exit $st after ${took}s: $(echo "$out" | head -1)"
fi
out=$(timeout 30 "$MUXVIEW" "$work/cutmeta" 2>&1 </dev/null); st=$?
[ $st -eq 2 ] && echo "$out" | grep -q "cutmeta: the metadata file is truncated" &&
	ok shipped.cut_metadata_viewer || ko shipped.cut_metadata_viewer "exit $st: $out"
# the input does break babeltrace2 (it spins): that is why muxview checks
if command -v babeltrace2 >/dev/null; then
	timeout 3 babeltrace2 "$work/cutmeta" >/dev/null 2>&1
	[ $? -eq 124 ] && ok shipped.cut_metadata_hangs_babeltrace2 ||
		echo "note: babeltrace2 no longer hangs on a cut metadata file"
fi

# check_incomplete NAME DIR: --check exits 2, INCONCLUSIVE, with a warning
check_incomplete() {
	local out err st
	out=$("$MUXVIEW" --check "$2" 2>"$work/err"); st=$?
	if [ $st -eq 2 ] && echo "$out" | grep -q '^result: INCONCLUSIVE' &&
	   grep -q 'the trace is incomplete' "$work/err"; then
		ok "shipped.$1"
	else
		ko "shipped.$1" "exit $st: $(echo "$out" | tail -1); $(head -1 "$work/err")"
	fi
}
cp -r "$T/default-usr1" "$work/empty"
: >"$work/empty/muxch_1"
check_incomplete emptied_stream_inconclusive "$work/empty"
# without the stream check this is the false alarm the engine got blamed for
"$MUXVIEW" --check "$work/empty" 2>/dev/null | grep -q '^VIOLATION' &&
	ok shipped.emptied_stream_would_fake_a_violation ||
	echo "note: the emptied stream no longer fakes a violation"
cp -r "$T/default-usr1" "$work/gone"
rm "$work/gone/muxch_1"
check_incomplete missing_stream_inconclusive "$work/gone"
cp -r "$T/default-usr1" "$work/gap"
mv "$work/gap/muxch_1" "$work/gap/muxch_2"
mv "$work/gap/index/muxch_1.idx" "$work/gap/index/muxch_2.idx"
check_incomplete missing_cpu_inconclusive "$work/gap"
"$MUXVIEW" --dump "$work/empty" 2>/dev/null | grep -q 'discarded=0+packets' &&
	"$MUXVIEW" --dump "$work/empty" 2>/dev/null | grep -E '^ +(flag|lock)\|' | grep -q '!' &&
	ok shipped.incomplete_marked_on_screen ||
	ko shipped.incomplete_marked_on_screen "no loss shown"
# the intact copy is clean: the checks above are about the damage
cp -r "$T/default-usr1" "$work/intact"
out=$("$MUXVIEW" --check "$work/intact" 2>&1); st=$?
[ $st -eq 0 ] && ! echo "$out" | grep -q incomplete &&
	ok shipped.intact_copy_clean || ko shipped.intact_copy_clean "exit $st"

# no terminal and a bad path: the path is named; no trace: lab/record
out=$("$MUXVIEW" "$work/nope" 2>&1 </dev/null)
echo "$out" | grep -q "$work/nope: No such file" &&
	ok shipped.bad_path_named_without_terminal ||
	ko shipped.bad_path_named_without_terminal "$out"
mkdir "$work/notrace"
out=$("$MUXVIEW" --stats "$work/notrace" 2>&1)
echo "$out" | grep -q 'no CTF trace here' && echo "$out" | grep -q 'lab/record' &&
	ok shipped.no_trace_points_to_lab_record ||
	ko shipped.no_trace_points_to_lab_record "$out"

# ---- --stats A B ----

cmp=$("$MUXVIEW" --stats "$T/default-usr1" "$T/h2-usr1")
order=$(echo "$cmp" | sed -n '/^all threads/,/^$/p' | awk '{ print NR, $0 }')
h2=$(echo "$order" | awk '/ front h2 fast / { print $1 }')
acq=$(echo "$order" | awk '/ lock acquisitions / { print $1 }')
pct=$(echo "$cmp" | awk '/^  io_cb locked %/ { print $NF }')
if [ -n "$h2" ] && [ -n "$acq" ] && [ "$h2" -lt "$acq" ] &&
   echo "$cmp" | grep -qE '^    front h2 fast +0 +361 +inf$' &&
   [ "$pct" = "+1.0pt" ]; then
	ok shipped.stats_compare_order_and_points
else
	ko shipped.stats_compare_order_and_points "front h2 at $h2, lock acquisitions at $acq, % row '$pct'"
fi

# ---- 80x24: nothing cut mid-word ----

full=$("$MUXVIEW" --dump --size 200x30 "$T/default-usr1" | grep '^io_cb: ')
all=1
for args in "$T/default-usr1" "--pane locks $T/default-usr1" \
	    "--pane iocb $T/default-legacy $T/default-usr1" \
	    "$T/default-legacy $T/default-usr1"; do
	d=$("$MUXVIEW" --dump $args)
	long=$(echo "$d" | awk 'length($0) > 80' | head -1)
	[ -n "$long" ] && { ko shipped.80x24_fits "line over 80: $long"; all=0; }
	# legend rows: whole items of the full legend
	while IFS= read -r l; do
		l=${l%"${l##*[! ]}"}
		case "$full" in
		*"$l "*|*"$l") ;;
		*) ko shipped.80x24_legend_whole "'$l' ($args)"; all=0 ;;
		esac
	done < <(echo "$d" | awk '/^io_cb: / { on = 1 } on && NF { print } on && ++n == 2 { exit }')
	# the status line: whole key hints
	foot=$(echo "$d" | tail -1 | sed 's/  */ /g')
	case "$foot" in
	*"? help q quit"*" Tab pane"|*"? help q quit"*" t steal"|*"? help q quit"*" l locked"|\
	*"? help q quit"*" u flag"|*"? help q quit"*" c follow"|*"? help q quit"*" / search"|\
	*"? help q quit"*" a/d pan") ;;
	*) ko shipped.80x24_status_whole "'$foot'"; all=0 ;;
	esac
done
d=$("$MUXVIEW" --dump --pane locks "$T/default-usr1")
echo "$d" | grep -q 'USR1 +/-' || { ko shipped.80x24_locks_pane "header cut"; all=0; }
[ $all = 1 ] && ok shipped.80x24_nothing_cut
# built to break it: a legend row cut inside a word is caught
l="io_cb: f all fast L all locked 1-9 that many locked, rest fast  USR1: + se"
case "$full" in
*"$l "*|*"$l") ko shipped.legend_check_can_fail "a cut row passed" ;;
*) ok shipped.legend_check_can_fail ;;
esac

# the life pane shows the current step of a long life
"$MUXVIEW" --dump --event 9000 --pane life "$T/default-usr1" | grep -q '^> #8995 ' &&
	ok shipped.life_pane_current_step ||
	ko shipped.life_pane_current_step "no '> #8995' line"

# ---- --svg --labels: a refusal is said on stderr, not only in the SVG ----

"$MUXVIEW" --svg "$work/l.svg" --labels "$T/default-usr1" 2>"$work/l.err"
st=$?
if [ $st = 0 ] && grep -q 'more than 400' "$work/l.svg" &&
   grep -q '^muxview: --labels: [0-9]* events in the window, more than 400' "$work/l.err"; then
	ok shipped.svg_labels_refusal_on_stderr
else
	ko shipped.svg_labels_refusal_on_stderr "exit $st, stderr '$(cat "$work/l.err")'"
fi
"$MUXVIEW" --svg "$work/s.svg" --labels --at 0.5 --span 1ms "$T/default-usr1" \
	2>"$work/s.err"
st=$?
[ $st = 0 ] && [ ! -s "$work/s.err" ] && ! grep -q 'more than 400' "$work/s.svg" &&
	ok shipped.svg_labels_short_window_silent ||
	ko shipped.svg_labels_short_window_silent "exit $st, stderr '$(cat "$work/s.err")'"

# ---- keys under tmux: help, speed ----

if command -v tmux >/dev/null; then
	tm new-session -d -x 80 -y 24 -s mv "exec env TERM=xterm-256color $MUXVIEW $T/default-usr1"
	for i in $(seq 100); do tm capture-pane -p -t mv | grep -q pause && break; sleep 0.1; done
	h0=$(tm capture-pane -p -t mv | sed -n 2p)
	tm send-keys -t mv '?'; sleep 0.3
	tm send-keys -t mv Down; sleep 0.3
	s1=$(tm capture-pane -p -t mv)
	tm send-keys -t mv d; sleep 0.3
	s2=$(tm capture-pane -p -t mv)
	if echo "$s1" | grep -q 'lines 2-' && echo "$s1" | grep -q 'any other key closes' &&
	   [ "$(echo "$s2" | sed -n 2p)" = "$h0" ]; then
		ok shipped.help_keys_do_not_act
	else
		ko shipped.help_keys_do_not_act "help: $(echo "$s1" | tail -1); after d: $(echo "$s2" | sed -n 2p)"
	fi
	sp0=$(tm capture-pane -p -t mv | sed -n 1p | grep -o 'pause [^ ]*')
	tm send-keys -t mv w; sleep 0.3
	sp1=$(tm capture-pane -p -t mv | sed -n 1p | grep -o 'pause [^ ]*')
	[ "$sp0" = "pause 104ms/s" ] && [ "$sp1" = "pause 51.9ms/s" ] &&
		ok shipped.speed_follows_zoom ||
		ko shipped.speed_follows_zoom "'$sp0' then '$sp1' after w"
	tm send-keys -t mv q
fi
exit $rc
