#!/usr/bin/env bash
# muxview --check on real recorded traces: clean runs pass (exit 0), each
# planted bug fails its own invariant (exit 1), and every violation names
# the command that opens the viewer on it.
. "$(dirname "$0")/lib.sh"
if ! need_lttng; then
	fail check.lttng "$mxl_lttng_error"
	exit 1
fi
rc=0
for mode in usr1 legacy; do
	tr=$(cached_trace "$mode-4t" -m "$mode" -t 4 -n 60000 -s 11) || {
		fail check.record_$mode "recording failed"; exit 1; }
	out=$("$MUXVIEW" --check "$tr"); st=$?
	if [ $st -eq 0 ] && echo "$out" | grep -q '^result: OK'; then
		pass check.clean_$mode
	else
		fail check.clean_$mode "exit $st: $(echo "$out" | grep -m2 VIOLATION)"
		rc=1
	fi
done

# bug mode -> the invariant it must break
for spec in front-locked:1 idle-fast:2 flag-late:3 steal-fast:4 \
	    two-locks:5 legacy-fast:6 purge-reinsert:7 fast-locks:5; do
	bug=${spec%:*} inv=${spec#*:} mode=usr1
	[ "$bug" = legacy-fast ] && mode=legacy
	tr=$(cached_trace "bug-$bug" -m $mode -t 3 -n 20000 -s 5 -b "$bug") || {
		fail check.record_$bug "recording failed: $(tail -3 "$MUXVIEW_TRACES/bug-$bug.log" | tr '\n' '|')"
		rc=1; continue; }
	out=$("$MUXVIEW" --check "$tr"); st=$?
	line=$(echo "$out" | grep "^invariant $inv ")
	others=$(echo "$out" | grep '^invariant' | grep -v "^invariant $inv " |
		 grep -c FAILED)
	if [ $st -eq 1 ] && echo "$line" | grep -q FAILED && [ "$others" = 0 ]; then
		pass check.bug_${bug}_fails_inv$inv
	else
		fail check.bug_${bug}_fails_inv$inv "exit $st, '$line', $others others failed"
		rc=1
	fi
	# the printed command opens the viewer at the violation: on its event
	# (by index) and at its time, with the muxview that was run (so that
	# it can be copied as it is)
	cmd=$(echo "$out" | grep -m1 '  view: .* --event ')
	[ "$(echo "$cmd" | awk '{ print $2 }')" = "$MUXVIEW" ] || {
		fail check.view_command_prog_$bug "'$cmd' does not start with $MUXVIEW"
		rc=1
	}
	evc=$(echo "$cmd" | sed -E 's/.*--event ([0-9]+) .*/\1/')
	ev=$(echo "$out" | grep -m1 '^VIOLATION' | sed -E 's/.*event #([0-9]+) .*/\1/')
	at=$(echo "$out" | grep -m1 '^VIOLATION' | sed -E 's/.* t=\+([0-9.]+) .*/\1/')
	dump=$("$MUXVIEW" --dump --event "$evc" "$tr" 2>&1)
	if [ -n "$evc" ] && [ "$evc" = "$ev" ] &&
	   echo "$dump" | grep -q "cursor +$at" &&
	   echo "$dump" | grep -q "^#$ev "; then
		[ $inv = 1 ] && pass check.view_command_opens_there
	else
		fail check.view_command_$bug "'$cmd' does not land on event #$ev"
		rc=1
	fi
done

# no run_start: the mode is unknown, inconclusive
tr=$(cached_trace no-start -t 2 -n 5000 --no-run-start) || exit 1
"$MUXVIEW" --check "$tr" >/dev/null; st=$?
[ $st -eq 2 ] && pass check.no_run_start_inconclusive ||
	{ fail check.no_run_start_inconclusive "exit $st"; rc=1; }
exit $rc
