# exercise 04 - the commit in all three muxes. Sourced by lab/grade.
# One recording of the default scenario (H1 and h2c fronts; h1, h2 and
# fcgi backends) per mode; the checks are per mux. The usr1 run also wakes
# idle connections with no I/O (--wake-idle 5): their io_cb takes them out
# of their list and puts them back, on every mux (the epilogue).
: "${duration:=3}"

usr1()   { record_trace usr1 default usr1 --wake-idle 5; }
legacy() { record_trace legacy default legacy; }

t_clean() { usr1 && run_ends_cleanly usr1; }
# invariant 1 first: its failure names the first locked front io_cb
t_front() {
	usr1 && inv_ok "$trace" 1 &&
		fact_pos "$trace" io_cb.h1.front.fast "lock-free H1 front io_cb" &&
		fact_pos "$trace" io_cb.h2.front.fast "lock-free h2c front io_cb"
}
# t_flag MUX: USR1 set before publishing, only on idle conns
t_flag() {
	usr1 && no_bad "$trace" "$1 io_cb whose state carries USR1 with no flag_set traced for its connection: set and clear the flag with mux_set_idle_flag() / mux_clear_idle_flag() (src/mux.h), which trace it" "untraced_usr1.$1" &&
		fact_pos "$trace" "flag_set.$1" "flag_set on a $1 tasklet" &&
		inv_ok "$trace" --mux "$1" 3 &&
		no_bad "$trace" "flag_set on a $1 connection that still has streams (those go to the avail list without USR1)" "set_busy.$1" &&
		no_bad "$trace" "$1 flag changes on a tasklet that belongs to another connection" "flag_other_tl.$1"
}
# t_clear MUX: USR1 cleared once a stream is attached
t_clear() {
	usr1 && fact_pos "$trace" "flag_clear.$1" "flag_clear that removed USR1 from a $1 tasklet" &&
		no_bad "$trace" "$1 io_cb of busy connections still carrying USR1" "busy_usr1.$1" &&
		no_bad "$trace" "flag_clear before the stream exists" "clear_early.$1"
}
# t_path MUX: the prologue is gated by USR1, idle conns still lock (and go
# back to their list when they survive), and the fast path really is
# lock-free (invariant 5: no lock at site io_cb in an io_cb traced
# path=fast)
t_path() {
	usr1 && fact_pos "$trace" "io_cb.$1.back.fast" "lock-free $1 back io_cb" &&
		fact_pos "$trace" "reinsert.$1" "$1 idle connection put back in its list by its io_cb (woken with no I/O: --wake-idle)" &&
		no_bad "$trace" "$1 idle connection put back into another list than it came from" "reinsert_list.$1" &&
		no_bad "$trace" "$1 io_cb whose path does not follow USR1" \
			"fast_usr1.$1" "locked_no_usr1.$1.back" "locked_no_usr1.$1.front" &&
		inv_ok "$trace" --mux "$1" 2 5
}
# t_stolen MUX: stolen tasklets still die right
t_stolen() {
	usr1 && inv_ok "$trace" --mux "$1" 4 &&
		no_bad "$trace" "stolen $1 tasklets never freed" "stolen_leak.$1"
}
t_locks()  { usr1 && inv_ok "$trace" 5; }
# ctx-race: steals on all three muxes while the scheduler holds a copied
# context for 5 ms
t_race() {
	record_trace race ctx-race usr1 && run_ends_cleanly race &&
		fact_pos "$trace" takeover_ok.h1 "successful H1 takeover in the ctx-race run" &&
		inv_ok "$trace" 4
}
t_legacy() {
	legacy && run_ends_cleanly legacy && inv_ok "$trace" 6 || return 1
	local m n=0
	for m in h1 h2 fcgi; do
		n=$((n + $(fact "$trace" flag_set.$m) + $(fact "$trace" flag_clear.$m)))
	done
	[ "$n" = 0 ] || { why="$n USR1 changes in legacy mode (the flag did not exist before the commit)"; return 1; }
}

grade_test "build" 4 need_build
grade_test "usr1 run ends cleanly (no crash, no leak)" 5 t_clean
grade_test "front connections run lock-free (invariant 1)" 5 t_front
for m in h1 h2 fcgi; do
	grade_test "$m: USR1 set before publishing, idle only (invariant 3)" 7 t_flag $m
	grade_test "$m: USR1 cleared once the stream exists" 7 t_clear $m
	grade_test "$m: the io_cb path follows USR1, an idle conn goes back to its list, the fast path takes no lock (invariants 2, 5)" 7 t_path $m
	grade_test "$m: stolen tasklets die on their old thread (invariant 4)" 3 t_stolen $m
done
grade_test "lock pairs (invariant 5)" 4 t_locks
grade_test "the context is re-read under the lock (ctx-race, invariant 4)" 6 t_race
grade_test "legacy mode: every io_cb locks, no USR1 (invariant 6)" 4 t_legacy
