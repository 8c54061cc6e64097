#!/usr/bin/env bash
# timeout: 240
# trace_invariants.sh - record the default scenario (lab/scenarios/
# default.cfg: H1 and h2c fronts, h1, h2 and fcgi backends, two threads
# taking turns) in both modes and check the lesson in the trace, per mux,
# with two independent readers:
#   - babeltrace2's text output read with awk (this script): the counts
#     below, and a second implementation of the seven invariants of
#     docs/trace-events.md;
#   - `muxview --check` (the seven invariants).
# usr1, for each of h1, h2 and fcgi: TASK_F_USR1 is set and cleared
#         (flag_set, flag_clear), some back io_cb take the locked path (idle
#         connections woken by a server close), successful takeovers; h2
#         and fcgi (multiplexing on) insert connections into the available
#         list; no front io_cb (H1 or h2c) takes the locked path; nothing
#         was discarded.
# legacy: every io_cb of every mux takes the locked path; no USR1 changes.
. "$(dirname "$0")/common.bash"
need_muxlab trace_invariants
for t in lttng lttng-sessiond babeltrace2; do
	have $t || { fail "trace_invariants: $t not installed (make deps)"; exit 1; }
done
ensure_sessiond || { fail "trace_invariants: $mxl_lttng_error"; exit 1; }

# mux_counts TRACE: one pass over babeltrace2's text output. Prints "key
# value" lines: per-mux counts (MUX_io_cb_SIDE_PATH, MUX_flag_set,
# MUX_flag_clear, MUX_takeover_ok1, MUX_insert_LIST, MUX_stolen), and for
# each invariant N of docs/trace-events.md invN_checked / invN_viol. The
# first violations go to $tmp/NAME.viol (NAME: the trace's basename). The
# checks follow the contract, written apart from muxview's code:
#   1 usr1: io_cb side=front is never locked;
#   2 usr1: an io_cb whose conn is in an idle or safe list is locked;
#   3 usr1: idle_insert into idle/safe follows a flag_set of that conn on
#     the same thread, with no flag_clear in between;
#   4 usr1: after takeover ok=1 from A, the old tasklet's next io_cb runs on
#     A, locked, A's lock is the last one that thread took, and it ends in
#     io_cb_stolen on A before that thread runs another io_cb (an io_cb of
#     the old tasklet traced just before the takeover, on A, that had not
#     taken A's lock yet, counts as that next one: it was waiting for it);
#   5 every lock_acquire ok=1 is released by the same thread before it
#     takes another one, and nothing is released that is not held (format
#     2, one lock event per section: no section of the thread ends inside
#     another one);
#   6 legacy: every io_cb is locked;
#   7 every mode: a conn the purge put on a to-remove list (idle_insert
#     list=toremove, until its idle_remove list=toremove or conn_free) does
#     not enter an idle, safe or available list, is not taken over and is
#     not picked (idle_remove reason=reuse) from an idle or safe list.
# "usr1" and "legacy" are per thread: a thread runs in run_start's mode
# until its first mode_change (the control socket's "set mode"), then in
# that event's new_mode; the rules of a mode apply to the thread's events
# while it runs in that mode (mode_changes counts the switches).
mux_counts() {
	local base=$tmp/$(basename "$1")
	babeltrace2 "$1" 2>"$base.bt-err" | mux_awk "$base.viol"
	echo "bt_discarded_warnings $(grep -ci 'discarded' "$base.bt-err")"
}
# mux_awk VIOLFILE: the checks above on babeltrace2's text on stdin
mux_awk() {
	awk -v viol="$1" '
	function enumval(field,    re, s) {
		re = field " = \\( \"[a-z0-9_]+\""
		if (!match($0, re))
			return ""
		s = substr($0, RSTART, RLENGTH)
		sub(/.*\( "/, "", s)
		sub(/"$/, "", s)
		return s
	}
	function intval(field,    re, s) {
		re = "[ {]" field " = -?[0-9]+"
		if (!match($0, re))
			return ""
		s = substr($0, RSTART, RLENGTH)
		sub(/.* = /, "", s)
		return s
	}
	function bad(inv, msg) {
		n["inv" inv "_viol"]++
		if (nshown++ < 40)
			printf "inv%d event #%d: %s\n", inv, nev, msg >viol
	}
	{
		if (!match($0, / muxlab:[a-z0-9_]+:/))
			next
		ev = substr($0, RSTART + 8, RLENGTH - 9)
		nev++
		if (ev == "run_start") {
			mode = enumval("mode")
			track = mode == "usr1"
			next
		}
		t = intval("tid")
		m = enumval("mux")
		tev[t]++	# events of this thread so far (format 2 locks)
		# the mode this thread runs in now
		tm = (t in tmode) ? tmode[t] : mode
		if (ev == "mode_change") {
			tmode[t] = enumval("new_mode")
			n["mode_changes"]++
			if (tmode[t] == "usr1")
				track = 1	# follow stolen tasklets from now
			next
		}
		if (ev == "io_cb") {
			tl = intval("tl"); c = intval("conn")
			side = enumval("side"); path = enumval("path")
			n[m "_io_cb_" side "_" path]++
			# a locked io_cb is traced before it takes its lock
			lastio[t] = path == "locked" ? tl : ""
			if (tm == "legacy") {
				n["inv6_checked"]++
				if (path != "locked")
					bad(6, "legacy io_cb " m " " side " conn " c " took the fast path")
			}
			if (!track)
				next
			u = tm == "usr1"
			if (u && side == "front") {
				n["inv1_checked"]++
				if (path == "locked")
					bad(1, "front io_cb " m " conn " c " took the locked path")
			}
			# 4: a dying (stolen) tasklet must end before the
			# thread runs another callback
			if (dying[t] != "" && dying[t] != tl) {
				if (u)
					bad(4, "stolen tasklet " dying[t] " did not end in io_cb_stolen on thread " t)
				delete stolen_from[dying[t]]
				dying[t] = ""
			}
			if (tl in stolen_from) {
				if (tl in stolen_ran) {
					if (u)
						bad(4, "stolen tasklet " tl " ran io_cb twice")
					next
				}
				stolen_ran[tl] = 1
				if (u && t != stolen_from[tl])
					bad(4, "stolen tasklet " tl " ran on thread " t ", not on " stolen_from[tl])
				if (u && path != "locked")
					bad(4, "stolen tasklet " tl " took the fast path")
				dying[t] = tl
				next
			}
			if (u && c != "" && c != 0) {
				n["inv2_checked"]++
				if ((list[c] == "idle" || list[c] == "safe") && path != "locked")
					bad(2, "io_cb fast while conn " c " is in the " list[c] " list")
			}
		} else if (ev == "io_cb_stolen") {
			tl = intval("tl")
			n[m "_stolen"]++
			if (!track || !(tl in stolen_from))
				next
			if (tm == "usr1") {
				n["inv4_checked"]++
				if (!(tl in stolen_ran))
					bad(4, "io_cb_stolen of tasklet " tl " without an io_cb after the takeover")
				else if (t != stolen_from[tl])
					bad(4, "stolen tasklet " tl " freed on thread " t ", not " stolen_from[tl])
				else if (lastlock[t] != stolen_from[tl])
					bad(4, "stolen tasklet " tl " freed without taking thread " stolen_from[tl] "s lock")
			}
			delete stolen_from[tl]
			delete stolen_ran[tl]
			if (dying[t] == tl)
				dying[t] = ""
		} else if (ev == "flag_set" || ev == "flag_clear") {
			c = intval("conn")
			n[m "_" ev]++
			if (ev == "flag_set")
				usr1[c] = t
			else
				delete usr1[c]
		} else if (ev == "idle_insert") {
			c = intval("conn"); l = enumval("list")
			n[m "_insert_" l]++
			if (l == "toremove") {
				purged[c] = 1
				next
			}
			n["inv7_checked"]++
			if (c in purged)
				bad(7, "conn " c " enters the " l " list while on a to-remove list")
			if (tm == "usr1" && (l == "idle" || l == "safe")) {
				n["inv3_checked"]++
				if (!(c in usr1))
					bad(3, "conn " c " enters the " l " list without USR1")
				else if (usr1[c] != t)
					bad(3, "conn " c " enters the " l " list on thread " t ", USR1 set on " usr1[c])
			}
			list[c] = l
		} else if (ev == "idle_remove") {
			c = intval("conn"); l = enumval("list")
			if (l == "toremove") {
				delete purged[c]
				next
			}
			if (enumval("reason") == "reuse" && (l == "idle" || l == "safe")) {
				n["inv7_checked"]++
				if (c in purged)
					bad(7, "conn " c " reused from the " l " list while on a to-remove list")
			}
			delete list[c]
		} else if (ev == "conn_free") {
			c = intval("conn")
			delete list[c]
			delete usr1[c]
			delete purged[c]
		} else if (ev == "takeover") {
			ok = intval("ok")
			n[m "_takeover_ok" ok]++
			if (ok != 1)
				next
			c = intval("conn")
			n["inv7_checked"]++
			if (c in purged)
				bad(7, "conn " c " stolen while on a to-remove list")
			delete list[c]
			delete usr1[c]
			if (!track)
				next
			otl = intval("old_tl"); ft = intval("from_tid")
			stolen_from[otl] = ft
			# its io_cb may be traced already, waiting for the
			# lock the stealer holds: that is the one that dies
			if (lastio[ft] == otl && dying[ft] == "") {
				stolen_ran[otl] = 1
				dying[ft] = otl
			}
		} else if (ev == "lock_acquire") {
			if (intval("ok") != 1)
				next
			k = intval("lock")
			n["inv5_checked"]++
			if (held[t] != "")
				bad(5, "thread " t " takes lock " k " while holding lock " held[t])
			held[t] = k
			lastlock[t] = k
			if (k == t)
				lastio[t] = ""
		} else if (ev == "lock") {
			# format 2: one event at the end of each section; the
			# last <inside> events of the thread were inside it
			if (intval("ok") != 1)
				next
			k = intval("lock")
			n["inv5_checked"]++
			if ((t in lockseq) && lockseq[t] >= tev[t] - intval("inside"))
				bad(5, "thread " t " holds lock " k " and lock " lastlock[t] " at once")
			lockseq[t] = tev[t]
			lastlock[t] = k
			if (k == t)
				lastio[t] = ""
		} else if (ev == "lock_release") {
			k = intval("lock")
			if (held[t] != k)
				bad(5, "thread " t " releases lock " k " it does not hold")
			held[t] = ""
		} else if (ev == "run_end") {
			n["run_end_ok"] = intval("requests_ok")
			n["run_end"]++
		}
	}
	END {
		for (t in held)
			if (held[t] != "")
				bad(5, "thread " t " never releases lock " held[t])
		for (t in dying)
			if (dying[t] != "" && ((t in tmode) ? tmode[t] : mode) == "usr1")
				bad(4, "stolen tasklet " dying[t] " did not end in io_cb_stolen")
		printf "mode %s\n", mode == "" ? "unknown" : mode
		printf "events %d\n", nev
		for (k in n)
			printf "%s %d\n", k, n[k]
	}'
}

dur=${TRACE_TEST_DURATION:-3}
mkdir -p "$tmp/scn"
remap_ports "$top/lab/scenarios/default.cfg" "$tmp/scn/default.cfg"
# the legacy run starts while something holds one of the scenario's
# ports (a classmate's run): lab/record records a copy on free ports
busy=$(grep -oE '127\.0\.0\.1:[0-9]+' "$tmp/scn/default.cfg" | head -n 1 | cut -d: -f2)
for mode in usr1 legacy; do
	out=$tmp/trace-$mode
	holder=""
	[ $mode = legacy ] && ! have python3 &&
		echo "SKIP legacy: a held port (python3 not installed)"
	if [ $mode = legacy ] && have python3; then
		python3 -c "import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $busy)); s.listen(1); time.sleep(60)" &
		holder=$!
		on_exit "kill $holder 2>/dev/null"
		for _ in $(seq 50); do port_busy "$busy" && break; sleep 0.1; done
	fi
	"$top/lab/record" --mode $mode --duration "$dur" --out "$out" "$tmp/scn/default.cfg" \
		>"$tmp/record-$mode.log" 2>&1
	rc=$?
	if [ -n "$holder" ]; then
		kill "$holder" 2>/dev/null
		grep -q "port $busy of default.cfg is in use" "$tmp/record-$mode.log" && [ $rc = 0 ] &&
			pass "$mode: port $busy held by another process: lab/record records a copy on free ports" ||
			fail "$mode: port $busy held: lab/record exit $rc, no note about the port"
	fi
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

	mux_counts "$out" >"$tmp/counts-$mode"
	c() { get "$1" "$tmp/counts-$mode"; }
	[ "$(c mode)" = $mode ] && pass "$mode: run_start says mode=$mode" ||
		fail "$mode: run_start mode is '$(c mode)'"
	[ "$(c bt_discarded_warnings)" = 0 ] &&
		pass "$mode: babeltrace2 reports no discarded events" ||
		fail "$mode: babeltrace2: $(grep -i discarded "$tmp/trace-$mode.bt-err" | head -2)"
	[ "$(c run_end)" = 1 ] && pass "$mode: one run_end ($(c run_end_ok) requests ok)" ||
		fail "$mode: run_end count $(c run_end)"

	echo "  $mode: $(c events) events; per mux:"
	printf '    %-5s %8s %8s %8s %8s %8s %8s %8s %8s %6s %8s %8s\n' mux \
		flag_set flag_clr fr_fast fr_lock bk_fast bk_lock takeover \
		stolen avail safe idle
	for m in h1 h2 fcgi; do
		printf '    %-5s %8s %8s %8s %8s %8s %8s %8s %8s %6s %8s %8s\n' $m \
			"$(c ${m}_flag_set)" "$(c ${m}_flag_clear)" \
			"$(c ${m}_io_cb_front_fast)" "$(c ${m}_io_cb_front_locked)" \
			"$(c ${m}_io_cb_back_fast)" "$(c ${m}_io_cb_back_locked)" \
			"$(c ${m}_takeover_ok1)" "$(c ${m}_stolen)" \
			"$(c ${m}_insert_avail)" "$(c ${m}_insert_safe)" \
			"$(c ${m}_insert_idle)"
	done

	if [ $mode = usr1 ]; then
		for m in h1 h2 fcgi; do
			fs=$(c ${m}_flag_set) fc=$(c ${m}_flag_clear)
			bl=$(c ${m}_io_cb_back_locked) bf=$(c ${m}_io_cb_back_fast)
			tk=$(c ${m}_takeover_ok1) av=$(c ${m}_insert_avail)
			[ "$fs" -gt 0 ] && [ "$fc" -gt 0 ] &&
				pass "usr1 $m: flag_set ($fs) and flag_clear ($fc)" ||
				fail "usr1 $m: flag_set=$fs flag_clear=$fc (want both > 0)"
			[ "$bl" -gt 0 ] && pass "usr1 $m: back io_cb locked > 0 ($bl, $bf fast)" ||
				fail "usr1 $m: no back io_cb took the locked path ($bf fast)"
			[ "$bf" -gt 0 ] || fail "usr1 $m: no back io_cb took the fast path"
			[ "$tk" -gt 0 ] && pass "usr1 $m: takeovers ok=1 > 0 ($tk)" ||
				fail "usr1 $m: no successful takeover"
			if [ $m != h1 ]; then
				[ "$av" -gt 0 ] &&
					pass "usr1 $m: idle_insert list=avail > 0 ($av)" ||
					fail "usr1 $m: no insert into the available list"
			fi
		done
		for m in h1 h2; do
			fl=$(c ${m}_io_cb_front_locked) ff=$(c ${m}_io_cb_front_fast)
			[ "$fl" = 0 ] && [ "$ff" -gt 0 ] &&
				pass "usr1 $m front: zero io_cb locked ($ff fast)" ||
				fail "usr1 $m front: io_cb locked=$fl fast=$ff (want 0 locked, > 0 fast)"
		done
		fl=$(c fcgi_io_cb_front_locked)
		[ "$fl" = 0 ] || fail "usr1: $fl locked io_cb on fcgi front connections"
		invs="1 2 3 4 5 7"
	else
		for m in h1 h2 fcgi; do
			ff=$(c ${m}_io_cb_front_fast) bf=$(c ${m}_io_cb_back_fast)
			bl=$(c ${m}_io_cb_back_locked) fl=$(c ${m}_io_cb_front_locked)
			[ "$ff" = 0 ] && [ "$bf" = 0 ] && [ "$bl" -gt 0 ] &&
				pass "legacy $m: every io_cb locked (front $fl, back $bl)" ||
				fail "legacy $m: io_cb fast front=$ff back=$bf, locked back=$bl (want 0 fast, > 0 locked)"
		done
		for m in h1 h2; do
			[ "$(c ${m}_io_cb_front_locked)" -gt 0 ] ||
				fail "legacy $m: no front io_cb at all"
		done
		fs=$(($(c h1_flag_set) + $(c h2_flag_set) + $(c fcgi_flag_set)))
		fc=$(($(c h1_flag_clear) + $(c h2_flag_clear) + $(c fcgi_flag_clear)))
		[ "$fs" = 0 ] && [ "$fc" = 0 ] &&
			pass "legacy: no USR1 flag changes" ||
			fail "legacy: flag_set=$fs flag_clear=$fc (want 0)"
		invs="5 6 7"
	fi

	# the invariants, read by awk from babeltrace2's text
	for i in $invs; do
		ck=$(c inv${i}_checked) nv=$(c inv${i}_viol)
		if [ "$nv" = 0 ] && [ "$ck" -gt 0 ]; then
			pass "$mode: invariant $i holds (awk, $ck checked)"
		else
			fail "$mode: invariant $i (awk): $nv violations, $ck checked"
			grep "^inv$i " "$tmp/trace-$mode.viol" 2>/dev/null | head -5 | sed 's/^/    /'
		fi
	done

	if [ -x "$muxview" ]; then
		"$muxview" --check "$out" >"$tmp/check-$mode.out" 2>&1
		rc=$?
		if [ $rc = 0 ]; then
			pass "$mode: muxview --check: the invariants hold"
		else
			fail "$mode: muxview --check exit $rc"
			head -25 "$tmp/check-$mode.out" | sed 's/^/    /'
		fi
	else
		fail "$mode: muxview --check: $muxview not built (make)"
	fi
done

# A run whose mode changes while traffic flows: the control socket's "set
# mode" several times during the recording. Each thread switches at a
# quiescent point of its loop (mode_change); both readers check each
# invariant in the intervals of its mode, per thread.
sock=$tmp/ctl.sock
add_stats_socket "$tmp/scn/default.cfg" "$tmp/scn/flip.cfg" "$sock"
out=$tmp/trace-flip
"$top/lab/record" --mode usr1 --duration "$dur" --out "$out" "$tmp/scn/flip.cfg" \
	>"$tmp/record-flip.log" 2>&1 &
rpid=$!
for ((i = 0; i < 100; i++)); do
	[ -S "$sock" ] && break
	sleep 0.1
done
flips=0
for m in legacy usr1 legacy usr1 legacy usr1; do
	sleep 0.3
	cli_cmd "$sock" "set mode $m" | grep -q "now $m" && flips=$((flips + 1))
done
wait $rpid
rc=$?
if [ $rc = 0 ] && [ "$(tail -n 1 "$tmp/record-flip.log")" = "$out" ] &&
   ! grep -q DISCARDED "$tmp/record-flip.log"; then
	pass "flip: lab/record exit 0, nothing discarded, $flips of 6 'set mode' answered"
else
	fail "flip: lab/record exit $rc ($flips of 6 'set mode' answered)"
	tail -8 "$tmp/record-flip.log" | sed 's/^/    /'
fi
[ $flips = 6 ] || fail "flip: only $flips of 6 'set mode' switched every thread"
if [ -d "$out" ]; then
	mux_counts "$out" >"$tmp/counts-flip"
	c() { get "$1" "$tmp/counts-flip"; }
	mc=$(c mode_changes)
	[ "$mc" -ge 12 ] && pass "flip: $mc mode_change events (2 threads x 6)" ||
		fail "flip: $mc mode_change events, want >= 12"
	for i in 1 2 3 4 5 6 7; do
		ck=$(c inv${i}_checked) nv=$(c inv${i}_viol)
		if [ "$nv" = 0 ] && { [ "$ck" -gt 0 ] || [ $i = 4 ]; }; then
			pass "flip: invariant $i holds in its intervals (awk, $ck checked)"
		else
			fail "flip: invariant $i (awk): $nv violations, $ck checked"
			grep "^inv$i " "$tmp/trace-flip.viol" 2>/dev/null | head -5 | sed 's/^/    /'
		fi
	done
	"$muxview" --check "$out" >"$tmp/check-flip.out" 2>&1
	rc=$?
	i6=$(sed -n 's/^invariant 6 .* ok  *(\([0-9]*\) checked).*/\1/p' "$tmp/check-flip.out")
	i1=$(sed -n 's/^invariant 1 .* ok  *(\([0-9]*\) checked).*/\1/p' "$tmp/check-flip.out")
	if [ $rc = 0 ] && [ "${i6:-0}" -gt 0 ] && [ "${i1:-0}" -gt 0 ] &&
	   grep -q '^mode changes: ' "$tmp/check-flip.out"; then
		pass "flip: muxview --check passes (invariant 6 on $i6 legacy-interval io_cbs, 1 on $i1 usr1-interval ones)"
	else
		fail "flip: muxview --check exit $rc (inv6 checked '${i6}', inv1 '${i1}')"
		head -25 "$tmp/check-flip.out" | sed 's/^/    /'
	fi
fi

# violated COUNTS: the invariants (1-5, 7) the awk reader saw broken
violated() {
	local i got=""
	for i in 1 2 3 4 5 7; do
		[ "$(get inv${i}_viol "$1")" = 0 ] || got="$got $i"
	done
	echo "${got# }"
}

# The awk reader must see the planted bugs in the reference traces
# (traces/INDEX.md): otherwise its "holds" above would mean nothing.
for ref in "default-usr1:" "bug-no-usr1-set:2 3 4" "bug-usr1-after-insert:3" \
	"bug-wake-old-local:4"; do
	name=${ref%%:*} want=${ref#*:}
	[ -d "$top/traces/$name" ] || { fail "reference trace traces/$name missing"; continue; }
	mux_counts "$top/traces/$name" >"$tmp/counts-ref-$name"
	got=$(violated "$tmp/counts-ref-$name")
	[ "$got" = "$want" ] &&
		pass "awk reader on traces/$name: violated invariants '${got:-none}'" ||
		fail "awk reader on traces/$name: violated '${got:-none}', want '${want:-none}'"
done
# Format 2 (one lock event per critical section): the awk rule of
# invariant 5 on text built to break it (a section of another lock ends
# inside one of thread 0's), and to keep it (the same sections one after
# the other); and the engine's own bug modes recorded now must still be
# seen by both readers.
ev2() {	# ev2 NAME FIELDS: one babeltrace2 text line of a format 2 event
	echo "[00:00:00.000000000] (+0.000000000) host muxlab:$1: { cpu_id = 0 }, { vtid = 1 }, { $2 }"
}
lk() {	# lk TID LOCK INSIDE
	ev2 lock "tid = $1, lock = $2, site = ( \"other\" : container = 8 ), trylock = 0, ok = 1, inside = $3, wait_ns = 0, hold_ns = 1"
}
io() { ev2 io_cb "tid = $1, tl = 5, conn = 4, mux = ( \"h1\" : container = 0 ), side = ( \"back\" : container = 1 ), state = 0x8000, path = ( \"fast\" : container = 0 )"; }
{ ev2 run_start 'mode = ( "usr1" : container = 1 ), bug = "", nbthread = 2, seed = 1, scenario = "x", usr1_bit = 0x10000, format = 2'
  io 0; lk 0 1 0; io 0; lk 0 0 3; } | mux_awk "$tmp/nest.viol" >"$tmp/counts-nest"
{ ev2 run_start 'mode = ( "usr1" : container = 1 ), bug = "", nbthread = 2, seed = 1, scenario = "x", usr1_bit = 0x10000, format = 2'
  io 0; lk 0 1 1; io 0; lk 0 0 1; } | mux_awk "$tmp/seq.viol" >"$tmp/counts-seq"
[ "$(get inv5_viol "$tmp/counts-nest")" = 1 ] &&
	[ "$(get inv5_viol "$tmp/counts-seq")" = 0 ] &&
	[ "$(get inv5_checked "$tmp/counts-seq")" = 2 ] &&
	pass "awk reader, format 2: a lock section inside another breaks invariant 5, two in a row do not" ||
	fail "awk reader, format 2: nested sections: $(get inv5_viol "$tmp/counts-nest") violations, sequential: $(get inv5_viol "$tmp/counts-seq")"
for ref in "wake-old-local:4" "no-usr1-set:2 3 4"; do
	bug=${ref%%:*} want=${ref#*:}
	out=$tmp/trace-bug-$bug
	"$top/lab/record" --mode usr1 --bug "$bug" --duration "$dur" --out "$out" \
		"$tmp/scn/default.cfg" >"$tmp/record-$bug.log" 2>&1
	[ -d "$out" ] || { fail "bug $bug: lab/record made no trace"; continue; }
	mux_counts "$out" >"$tmp/counts-bug-$bug"
	got=$(violated "$tmp/counts-bug-$bug")
	mv=$("$muxview" --check "$out" 2>/dev/null | sed -n 's/^invariant \([0-9]\) .*FAILED.*/\1/p' | tr '\n' ' ')
	mv=${mv% }
	# a short run may not hit every consequence of the bug: what both
	# readers see must agree and include the bug's main invariant
	if [ "$got" = "$mv" ] && case " $got " in *" ${want%% *} "*) true ;; *) false ;; esac; then
		pass "format 2, bug $bug: awk and muxview --check both see invariants '$got' (want '$want')"
	else
		fail "format 2, bug $bug: awk '$got', muxview '$mv', want '$want'"
	fi
done

# lab/record's ring (--subbuf): a malformed one is refused before anything
# runs; one far too small for a loaded run (2 sub-buffers of 4 KiB per CPU,
# bench-h1's closed loop: about 10 % of its events lost) makes LTTng
# discard, and lab/record must say so, name the remedy and exit 4 - the
# path that the "nothing discarded" checks above rely on
"$top/lab/record" --subbuf 1Mx --duration 1 --out "$tmp/trace-badring" \
	"$tmp/scn/default.cfg" >"$tmp/record-badring.log" 2>&1
rc=$?
[ $rc = 1 ] && grep -q -- "--subbuf wants SIZExN" "$tmp/record-badring.log" &&
	[ ! -d "$tmp/trace-badring" ] &&
	pass "record: --subbuf 1Mx refused (exit 1), nothing recorded" ||
	fail "record: --subbuf 1Mx: exit $rc: $(tail -n 2 "$tmp/record-badring.log" | tr '\n' ' ')"
remap_ports "$top/lab/scenarios/bench-h1.cfg" "$tmp/scn/bench-h1.cfg"
"$top/lab/record" --subbuf 4kx2 --duration 1 --out "$tmp/trace-smallring" \
	"$tmp/scn/bench-h1.cfg" >"$tmp/record-smallring.log" 2>&1
rc=$?
# the size of the trace's first packet (bits, from its CTF index): the
# sub-buffer size LTTng really used
idx=$(find "$tmp/trace-smallring" -name '*.idx' 2>/dev/null | head -n 1)
psize=$([ -n "$idx" ] && od -An -tu8 --endian=big -j24 -N8 "$idx" | tr -d ' ')
if [ $rc = 4 ] && grep -q 'LTTng DISCARDED' "$tmp/record-smallring.log" &&
   grep -q -- '--subbuf 8Mx8' "$tmp/record-smallring.log"; then
	pass "record: a 2 x 4 KiB ring discards, lab/record says so and exits 4"
elif [ $rc = 0 ] && [ "${psize:-0}" = 32768 ] &&
     babeltrace2 "$tmp/trace-smallring" 2>"$tmp/smallring.bt-err" >/dev/null &&
     [ "$(mxl_bt_discarded "$tmp/smallring.bt-err")" = 0 ]; then
	# a machine whose consumer daemon kept up even so: nothing to report
	skip "record: a 2 x 4 KiB ring lost nothing on this machine"
elif [ $rc = 0 ] && [ "${psize:-0}" != 32768 ]; then
	fail "record: --subbuf 4kx2 not applied: the trace's packets are ${psize:-?} bits, not 32768"
else
	fail "record: a 2 x 4 KiB ring: exit $rc, $(grep -E 'discarded|DISCARDED' "$tmp/record-smallring.log" | head -n 2 | tr '\n' ' ')"
fi

[ $nfail = 0 ] || keep_tmp=1
[ $nfail = 0 ] || echo "traces kept in $tmp"
exit $((nfail > 0))
