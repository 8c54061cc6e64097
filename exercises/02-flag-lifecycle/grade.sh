# exercise 02 - the flag's life cycle (H1). Sourced by lab/grade.
: "${duration:=2}"

usr1()   { record_trace usr1 h1 usr1; }
legacy() { record_trace legacy h1 legacy; }

t_run() {
	usr1 && run_ends_cleanly usr1 || return 1
	local n
	n=$(( $(fact "$trace" insert.h1.idle) + $(fact "$trace" insert.h1.safe) ))
	if [ "$n" = 0 ]; then
		why="no H1 connection ever went idle: nothing to grade (did the run serve requests?)"
		return 1
	fi
}
t_inv()  { usr1 && inv_ok "$trace" --mux h1 "$@"; }
# the flag must be set and cleared with the helpers, which trace it: set by
# hand, invariant 3 would only say "no TASK_F_USR1 set"
p2_traced() {
	no_bad "$trace" "io_cb whose state carries USR1 with no flag_set traced for its connection: set and clear the flag with mux_set_idle_flag() / mux_clear_idle_flag() (src/mux.h), which trace it" untraced_usr1.h1
}
t_inv3() { usr1 && p2_traced && inv_ok "$trace" --mux h1 3; }
t_bad()  { local what=$1; shift; usr1 && no_bad "$trace" "$what" "$@"; }
t_cleared() {
	usr1 && fact_pos "$trace" flag_clear.h1 "flag_clear that removed USR1 from an H1 tasklet" &&
		no_bad "$trace" "$@"
}
t_set() {
	usr1 && fact_pos "$trace" flag_set.h1 "flag_set on an H1 tasklet" &&
		no_bad "$trace" "$@" &&
		no_bad "$trace" "flag changes on a tasklet that belongs to another connection (the back connection's tasklet is h1c->wait_event.tasklet of its h1c)" flag_other_tl.h1
}
t_legacy() {
	legacy || return 1
	p2_traced && inv_ok "$trace" 6 || return 1
	local n=$(( $(fact "$trace" flag_set.h1) + $(fact "$trace" flag_clear.h1) ))
	[ "$n" = 0 ] || { why="$n USR1 changes in legacy mode: the flag did not exist before e388f2fbc (use the helpers of src/mux.h)"; return 1; }
}

grade_test "build" 5 need_build
grade_test "usr1 run ends cleanly" 10 t_run
grade_test "flag set before every idle insert (invariant 3)" 20 t_inv3
grade_test "idle conns' io_cb take the lock (invariant 2)" 10 t_inv 2
grade_test "USR1 cleared on reuse" 15 t_cleared "io_cb of busy connections still carrying USR1" busy_usr1.h1
grade_test "USR1 cleared only once the stream exists" 10 t_cleared "flag_clear before the stream exists" clear_early.h1
grade_test "USR1 set only on idle connections" 10 t_set "flag_set while a stream is attached" set_busy.h1
grade_test "front never flagged, steals end right (invariants 1, 4)" 10 t_inv 1 4
grade_test "legacy mode unchanged (invariant 6, no USR1)" 10 t_legacy
