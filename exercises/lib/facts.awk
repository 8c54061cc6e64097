# exercises/lib/facts.awk - facts about one run, from events.awk's table
#
#   awk -f facts.awk TABLE
#
# prints "KEY VALUE" lines; for every KEY that counts mistakes (bad.*)
# also "KEY.first N", N the first offending event. MUX is h1, h2 or fcgi,
# SIDE front or back, PATH fast or locked:
#   mode bug nbthread seed usr1_bit events requests_ok requests_err
#   scenario (run_start's file name) run_end (1 if the run ended cleanly)
#   mode_changes              mode_change events (threads that switched
#                             mode on the control socket's "set mode");
#                             <mode> stays run_start's, and the usr1 checks
#                             below apply to a thread while it runs in usr1
#   io_cb.MUX.SIDE.PATH       io_cb counts
#   flag_set.MUX flag_clear.MUX   USR1 set / really cleared (was set)
#   insert.MUX.LIST           idle_insert counts (idle, safe, avail)
#   reinsert.MUX              an io_cb's epilogue put its idle conn back:
#                             idle_insert into idle/safe after the
#                             idle_remove reason=io of the same conn on
#                             the same thread (no steal or free between)
#   bad.reinsert_list.MUX     ... into another list than the one it took
#                             it out of (a safe conn demoted to idle)
#   takeover_ok.MUX takeover_fail.MUX stolen.MUX
#   lock_acq lock_acq.SITE trylock_fail
#   total.io_cb.PATH total.io_cb.SIDE.PATH total.takeover_ok
#                             the same counts summed over the muxes
#   steal.first (event) steal.first.conn .old_tl .from .to
#   steal.first.freed (event of the old tasklet's io_cb_stolen) .freed_tid
#   bad.fast_usr1.MUX         usr1: io_cb took the fast path although its
#                             state carried USR1
#   bad.locked_no_usr1.MUX.SIDE  usr1: io_cb locked without USR1
#   bad.busy_usr1.MUX         io_cb of a back conn with a stream attached
#                             (in use, not stealable) still carries USR1
#   bad.clear_early.MUX       USR1 cleared while no stream is attached
#                             (before the stream exists)
#   bad.set_busy.MUX          USR1 set on a back conn that still has a
#                             stream attached (h2/fcgi: streams left go to
#                             the avail list, which is never stolen from)
#   bad.insert_no_usr1.MUX    conn enters idle/safe without USR1 (inv. 3)
#   bad.stolen_leak.MUX       stolen old tasklet never freed (no
#                             io_cb_stolen by the end)
#   bad.stolen_elsewhere.MUX  old tasklet freed on another thread than the
#                             one it was stolen from
#   bad.untraced_usr1.MUX     io_cb whose state carries USR1 although no
#                             flag_set was traced for its connection since
#                             the last flag_clear (the flag set by hand,
#                             not with mux_set_idle_flag()); any mode; the
#                             old tasklet of a steal excepted
#   bad.flag_other_tl.MUX     flag_set/flag_clear on a tasklet whose io_cb
#                             runs for another connection (the flag put on
#                             the wrong tasklet, e.g. the front one)
#   bad.new_tl_usr1.MUX       the new tasklet a takeover installs carries
#                             USR1 (seen at its first io_cb or flag change)
function hex(s,    v, i, c) {
	v = 0
	s = tolower(s)
	sub(/^0x/, "", s)
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1)) - 1
		if (c < 0)
			return -1
		v = v * 16 + c
	}
	return v
}
function has_usr1(state) {
	return int(hex(state) / bit) % 2 == 1
}
# does thread <t> run in usr1 now? (run_start's mode until its first
# mode_change)
function usr1_now(t) {
	return (t in tmode) ? tmode[t] == "usr1" : n["mode"] == "usr1"
}
function bad(key, ev) {
	n["bad." key]++
	if (!(("bad." key ".first") in n))
		n["bad." key ".first"] = ev
}
{
	delete f
	for (i = 3; i <= NF; i++) {
		eq = index($i, "=")
		f[substr($i, 1, eq - 1)] = substr($i, eq + 1)
	}
	ev = $1; name = $2; m = f["mux"]; c = f["conn"]; t = f["tid"]
	nev++
}
name == "run_start" {
	n["mode"] = f["mode"]; n["bug"] = f["bug"] == "" ? "none" : f["bug"]
	n["nbthread"] = f["nbthread"]; n["seed"] = f["seed"]
	n["usr1_bit"] = f["usr1_bit"]
	n["scenario"] = f["scenario"] == "" ? "none" : f["scenario"]
	bit = hex(f["usr1_bit"])
	if (bit <= 0)
		bit = 65536
	next
}
name == "mode_change" {
	n["mode_changes"]++
	tmode[t] = f["new_mode"]
	next
}
name == "run_end" {
	n["requests_ok"] = f["requests_ok"]; n["requests_err"] = f["requests_err"]
	n["run_end"] = 1
	next
}
name == "io_cb" || name == "flag_clear" || name == "flag_set" {
	# the first sight of a tasklet a takeover just installed
	if (f["tl"] in new_tl) {
		if (name != "flag_set" &&
		    has_usr1(name == "io_cb" ? f["state"] : f["old_state"]))
			bad("new_tl_usr1." m, ev)
		delete new_tl[f["tl"]]
	}
}
name == "io_cb" {
	side = f["side"]; path = f["path"]; u = has_usr1(f["state"])
	n["io_cb." m "." side "." path]++
	n["total.io_cb." path]++
	n["total.io_cb." side "." path]++
	if (u && !(c in usr1) && !(f["tl"] in usr1_tl) && !(f["tl"] in stolen_from))
		bad("untraced_usr1." m, ev)
	tl_conn[f["tl"]] = c
	if (!usr1_now(t))
		next
	if (path == "fast" && u)
		bad("fast_usr1." m, ev)
	if (path == "locked" && !u)
		bad("locked_no_usr1." m "." side, ev)
	if (side == "back" && u && streams[c] > 0 && !(f["tl"] in stolen_from))
		bad("busy_usr1." m, ev)
	next
}
name == "io_cb_stolen" {
	tl = f["tl"]
	n["stolen." m]++
	if (tl in stolen_from) {
		if (t != stolen_from[tl])
			bad("stolen_elsewhere." m, ev)
		if (tl == first_old_tl && !("steal.first.freed" in n)) {
			n["steal.first.freed"] = ev
			n["steal.first.freed_tid"] = t
		}
		delete stolen_from[tl]
		delete stolen_mux[tl]
	}
	next
}
name == "flag_set" || name == "flag_clear" {
	if ((f["tl"] in tl_conn) && tl_conn[f["tl"]] != c)
		bad("flag_other_tl." m, ev)
}
name == "flag_set" {
	n["flag_set." m]++
	usr1[c] = 1
	usr1_tl[f["tl"]] = 1
	if (streams[c] > 0)
		bad("set_busy." m, ev)
	next
}
name == "flag_clear" {
	if (has_usr1(f["old_state"])) {
		n["flag_clear." m]++
		if (streams[c] <= 0)
			bad("clear_early." m, ev)
	}
	delete usr1[c]
	delete usr1_tl[f["tl"]]
	next
}
name == "stream_attach" {
	if (f["side"] == "back")
		streams[c]++
	next
}
name == "stream_detach" {
	if (f["side"] == "back" && streams[c] > 0)
		streams[c]--
	next
}
name == "idle_remove" {
	if (f["reason"] == "io") {
		io_out[c] = t
		io_list[c] = f["list"]
	} else
		delete io_out[c]
	next
}
name == "idle_insert" {
	l = f["list"]
	n["insert." m "." l]++
	if ((c in io_out) && io_out[c] == t && (l == "idle" || l == "safe")) {
		n["reinsert." m]++
		if (l != io_list[c])
			bad("reinsert_list." m, ev)
	}
	delete io_out[c]
	if (!usr1_now(t))
		next
	if ((l == "idle" || l == "safe") && !(c in usr1))
		bad("insert_no_usr1." m, ev)
	next
}
name == "takeover" {
	if (f["ok"] != 1) {
		n["takeover_fail." m]++
		next
	}
	n["takeover_ok." m]++
	n["total.takeover_ok"]++
	delete usr1[c]		# the new tasklet starts without USR1
	stolen_from[f["old_tl"]] = f["from_tid"]
	stolen_mux[f["old_tl"]] = m
	new_tl[f["new_tl"]] = 1
	if (!("steal.first" in n)) {
		n["steal.first"] = ev; n["steal.first.conn"] = c
		n["steal.first.old_tl"] = f["old_tl"]
		n["steal.first.from"] = f["from_tid"]; n["steal.first.to"] = t
		first_old_tl = f["old_tl"]
	}
	next
}
name == "conn_free" {
	delete io_out[c]
	delete usr1[c]
	delete streams[c]
	next
}
name == "lock_acquire" || name == "lock" {	# format 1 / 2
	if (f["ok"] == 1) {
		n["lock_acq"]++
		n["lock_acq." f["site"]]++
	} else {
		n["trylock_fail"]++
	}
	next
}
END {
	for (tl in stolen_from)
		bad("stolen_leak." stolen_mux[tl], "end")
	n["events"] = nev + 0
	n["mode_changes"] += 0
	for (k in n)
		print k, n[k]
}
