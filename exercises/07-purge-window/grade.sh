# exercise 07 - the purge window. Sourced by lab/grade.
#
# Runs lab/scenarios/purge-window.cfg (h2c servers that PING idle
# connections, H1 and FastCGI ones woken with no I/O by "#@lab wake-idle",
# a purge every 100 ms that waits 20 ms before waking the cleanup task) in
# usr1 and legacy mode. The race needs a few purges: a
# recording never lasts less than 2 s, whatever GRADE_DURATION says (the
# first re-insert of a broken tree shows within half a second).
: "${duration:=2}"
p7_dur=$(awk -v d="$duration" 'BEGIN { print (d < 2 ? 2 : d) }')

usr1()   { record_trace purge-usr1 purge-window usr1 --duration "$p7_dur"; }
legacy() { record_trace purge-legacy purge-window legacy --duration "$p7_dur"; }

# p7_fact TRACE KEY: a fact of window.awk about TRACE
p7_fact() {
	local c
	c=$(_cache "$1")
	[ -s "$c.window" ] || awk -f "$ex_dir/window.awk" "$(_events "$1")" \
		>"$c.window"
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
		"$c.window"
}

# the window must have been exercised, on every mux, or "invariant 7
# holds" means nothing
p7_woken() {
	local m
	for m in h1 h2 fcgi; do
		[ "$(p7_fact "$1" woken.$m)" != 0 ] && continue
		why="no $m io_cb ran on a connection the purge had queued for destruction ($(p7_fact "$1" purged) purged, $(p7_fact "$1" woken) woken in all): the window was never exercised on $m, nothing to grade"
		show=$(show_event "$1" "")
		return 1
	done
	return 0
}

t_clean() { usr1 && run_ends_cleanly purge-usr1; }
t_woken() { usr1 && p7_woken "$trace"; }
t_inv7() {
	usr1 && p7_woken "$trace" || return 1
	inv_ok "$trace" 7 || return 1
	# the second reader (window.awk) must agree
	local n
	n=$(p7_fact "$trace" reinsert)
	[ "$n" = 0 ] && return 0
	why="$n idle_insert of a connection on a to-remove list (h1 $(p7_fact "$trace" reinsert.h1), h2 $(p7_fact "$trace" reinsert.h2), fcgi $(p7_fact "$trace" reinsert.fcgi)), first at event #$(p7_fact "$trace" reinsert.first)"
	show=$(show_event "$trace" "$(p7_fact "$trace" reinsert.first)")
	return 1
}
t_others() {
	usr1 && inv_ok "$trace" 1 2 3 4 5 &&
		no_bad "$trace" "idle connection put back into another list than it came from" \
			reinsert_list.h1 reinsert_list.h2 reinsert_list.fcgi
}
t_legacy() {
	legacy && run_ends_cleanly purge-legacy && p7_woken "$trace" &&
		inv_ok "$trace" 6 7
}

# p7_io_cb FILE FUNC: the body of FUNC in FILE
p7_io_cb() {
	awk -v f="$2" '
		index($0, "struct task *" f "(") == 1 { on = 1 }
		on { print }
		on && /^}/ { exit }' "$top/$1"
}

# p7_locked FILE FUNC: FUNC's sections under its own lock, comments
# removed: from each idle_lock(tid, SITE_IO_CB) to the last idle_unlock()
# before the next one (the prologue's section, then the epilogue's)
p7_locked() {
	p7_io_cb "$1" "$2" | awk '
		# comments out, /* ... */ across lines too, and // to the end
		{
			line = $0
			out = ""
			while (line != "") {
				if (inc) {
					e = index(line, "*/")
					if (!e) { line = ""; break }
					line = substr(line, e + 2); inc = 0
					continue
				}
				b = index(line, "/*"); d = index(line, "//")
				if (d && (!b || d < b)) { out = out substr(line, 1, d - 1); line = ""; break }
				if (!b) { out = out line; line = ""; break }
				out = out substr(line, 1, b - 1)
				line = substr(line, b + 2); inc = 1
			}
			$0 = out
		}
		function flush(   i) {
			for (i = 0; i < last; i++)
				print buf[i]
			n = last = 0
		}
		/idle_lock\(tid, SITE_IO_CB\)/ { flush(); on = 1; next }
		on { buf[n++] = $0; if ($0 ~ /idle_unlock\(/) last = n }
		END { flush() }'
}

# No run shows where the test is made (one made before the lock loses only
# to a rare race), so read the three io_cb: the test of list membership
# must be made under the lock (in the prologue's section or the
# epilogue's) and be more than the LIST bits: the list node, the
# to-remove list, or a helper of one's own.
t_source() {
	local spec file fn body
	for spec in src/mux_h1.c:h1_io_cb src/mux_h2.c:h2_io_cb src/mux_fcgi.c:fcgi_io_cb; do
		file=${spec%:*} fn=${spec#*:}
		if [ -z "$(p7_io_cb "$file" "$fn")" ]; then
			why="no $fn() in $file"
			return 1
		fi
		body=$(p7_locked "$file" "$fn")
		if [ -z "$body" ]; then
			why="$fn() ($file): no section under idle_lock(tid, SITE_IO_CB) ... idle_unlock() found"
			show="grep -n 'idle_lock\|idle_unlock\|conn_in_list' $file"
			return 1
		fi
		if ! echo "$body" | grep -qE 'hash_node|toremove|list_inlist|conn_in_list = [A-Za-z_][A-Za-z_0-9]*\('; then
			why="$fn() ($file): under idle_lock(tid, SITE_IO_CB) (the prologue's section and the epilogue's, comments aside) nothing tests list membership beyond the LIST bits: the test must be made under the lock"
			show="grep -n 'idle_lock\|idle_unlock\|conn_in_list' $file"
			return 1
		fi
	done
}

grade_test "build" 5 need_build
grade_test "purge-window run ends cleanly (no crash, no leak, server counters back to 0)" 10 t_clean
grade_test "I/O reaches purged connections of every mux (the window is exercised)" 5 t_woken
grade_test "a purged connection never goes back into a list (invariant 7)" 45 t_inv7
grade_test "the other invariants still hold (1-5), a surviving conn goes back to its own list" 10 t_others
grade_test "legacy mode: every io_cb locks, purged conns stay out (invariants 6, 7)" 15 t_legacy
grade_test "the fix in all three io_cb, under the lock (read from the source)" 10 t_source
