#!/usr/bin/env bash
# trace_invariants.sh - record the default scenario in both modes and check
# the lesson in the trace, twice, with two independent readers:
#   - babeltrace2's text output counted with awk (this script);
#   - `muxview --check` (the six invariants) when muxview is built.
# usr1:   no front io_cb takes the locked path; some back io_cb do (idle
#         connections woken by a server close); takeovers succeed;
#         TASK_F_USR1 is set and cleared; nothing was discarded.
# legacy: every io_cb takes the locked path.
# timeout: 240
. "$(dirname "$0")/common.bash"
need_muxlab trace_invariants
for t in lttng lttng-sessiond babeltrace2; do
	have $t || { fail "trace_invariants: $t not installed (make deps)"; exit 1; }
done
ensure_sessiond || { fail "trace_invariants: no LTTng session daemon"; exit 1; }

dur=${TRACE_TEST_DURATION:-3}
mkdir -p "$tmp/scn"
remap_ports "$top/lab/scenarios/default.cfg" "$tmp/scn/default.cfg"
for mode in usr1 legacy; do
	out=$tmp/trace-$mode
	"$top/lab/record" --mode $mode --duration "$dur" --out "$out" "$tmp/scn/default.cfg" \
		>"$tmp/record-$mode.log" 2>&1
	rc=$?
	last=$(tail -n 1 "$tmp/record-$mode.log")
	if [ $rc = 0 ] && [ "$last" = "$out" ]; then
		pass "$mode: lab/record exit 0, last line is the trace dir"
	else
		fail "$mode: lab/record exit $rc, last line '$last'"
		tail -15 "$tmp/record-$mode.log" | sed 's/^/    /'
		[ -d "$out" ] || continue
	fi
	if grep -q 'DISCARDED' "$tmp/record-$mode.log"; then
		fail "$mode: lab/record reports discarded events"
	fi

	bt_counts "$out" >"$tmp/counts-$mode"
	c() { get "$1" "$tmp/counts-$mode"; }
	[ "$(c mode)" = $mode ] && pass "$mode: run_start says mode=$mode" ||
		fail "$mode: run_start mode is '$(c mode)'"
	[ "$(c bt_discarded_warnings)" = 0 ] &&
		pass "$mode: babeltrace2 reports no discarded events" ||
		fail "$mode: babeltrace2: $(grep -i discarded "$tmp/trace-$mode.bt-err" | head -2)"
	[ "$(c ev_run_end)" = 1 ] && pass "$mode: one run_end ($(c run_end_ok) requests ok)" ||
		fail "$mode: run_end count $(c ev_run_end)"

	fl=$(c io_cb_front_locked) ff=$(c io_cb_front_fast)
	bl=$(c io_cb_back_locked) bf=$(c io_cb_back_fast)
	tk=$(c takeover_ok1) fs=$(c ev_flag_set) fc=$(c ev_flag_clear)
	echo "  $mode: io_cb front fast=$ff locked=$fl, back fast=$bf locked=$bl;" \
		"takeovers ok=$tk; flag_set=$fs flag_clear=$fc; events=$(c events)"
	if [ $mode = usr1 ]; then
		[ "$fl" = 0 ] && [ "$ff" -gt 0 ] &&
			pass "usr1: zero front io_cb locked ($ff fast)" ||
			fail "usr1: front io_cb locked=$fl fast=$ff (want 0 locked)"
		[ "$bl" -gt 0 ] && pass "usr1: back io_cb locked > 0 ($bl)" ||
			fail "usr1: no back io_cb took the locked path"
		[ "$bf" -gt 0 ] && pass "usr1: back io_cb fast > 0 ($bf)" ||
			fail "usr1: no back io_cb took the fast path"
		[ "$tk" -gt 0 ] && pass "usr1: takeovers ok=1 > 0 ($tk)" ||
			fail "usr1: no successful takeover"
		[ "$fs" -gt 0 ] && [ "$fc" -gt 0 ] &&
			pass "usr1: flag_set ($fs) and flag_clear ($fc) present" ||
			fail "usr1: flag_set=$fs flag_clear=$fc"
	else
		[ "$ff" = 0 ] && [ "$bf" = 0 ] && [ $((fl + bl)) -gt 0 ] &&
			pass "legacy: every io_cb locked ($((fl + bl)))" ||
			fail "legacy: fast io_cb front=$ff back=$bf (want 0)"
		[ "$fs" = 0 ] && [ "$fc" = 0 ] &&
			pass "legacy: no USR1 flag changes" ||
			fail "legacy: flag_set=$fs flag_clear=$fc (want 0)"
	fi

	if [ -x "$muxview" ]; then
		"$muxview" --check "$out" >"$tmp/check-$mode.out" 2>&1
		rc=$?
		if [ $rc = 0 ]; then
			pass "$mode: muxview --check: the six invariants hold"
		else
			fail "$mode: muxview --check exit $rc"
			head -25 "$tmp/check-$mode.out" | sed 's/^/    /'
		fi
	else
		skip "$mode: muxview --check: muxview not built"
	fi
done
[ $nfail = 0 ] || keep_tmp=1
[ $nfail = 0 ] || echo "traces kept in $tmp"
exit $((nfail > 0))
