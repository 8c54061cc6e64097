# exercise 06 - the stolen tasklet (h1_takeover). Sourced by lab/grade.
: "${duration:=2}"

usr1() { record_trace usr1 h1 usr1; }

t_steals() {
	usr1 && fact_pos "$trace" takeover_ok.h1 "successful takeover (takeover ok=1)"
}
t_clean() {
	usr1 && fact_pos "$trace" takeover_ok.h1 "successful takeover: nothing to leak" &&
		run_ends_cleanly usr1
}
t_tsan() {
	if ! usr1 || [ "$(fact "$trace" takeover_ok.h1)" = 0 ]; then
		why="not graded: no successful takeover in the usr1 run, nothing to race"
		return 1
	fi
	tsan_clean steal-storm 3
}
t_old() {
	usr1 && fact_pos "$trace" takeover_ok.h1 "successful takeover" &&
		fact_pos "$trace" stolen.h1 "io_cb_stolen (an old tasklet freeing itself)" &&
		inv_ok "$trace" --mux h1 4 &&
		no_bad "$trace" "old tasklets never freed" stolen_leak.h1 &&
		no_bad "$trace" "old tasklets freed on the wrong thread" stolen_elsewhere.h1
}
t_new() {
	usr1 && fact_pos "$trace" takeover_ok.h1 "successful takeover" &&
		no_bad "$trace" "new tasklets installed with USR1 already set" new_tl_usr1.h1
}
t_inv() { usr1 && inv_ok "$trace" "$@"; }
t_legacy() {
	record_trace legacy h1 legacy && run_ends_cleanly legacy &&
		fact_pos "$trace" takeover_ok.h1 "successful takeover in legacy mode" &&
		no_bad "$trace" "old tasklets freed on the wrong thread" stolen_elsewhere.h1 &&
		inv_ok "$trace" 5 6
}

grade_test "build" 5 need_build
grade_test "steals succeed" 15 t_steals
grade_test "run ends cleanly: nothing leaked, no crash" 15 t_clean
grade_test "old tasklet dies on its own thread, under its lock (invariant 4)" 25 t_old
grade_test "new tasklet starts without USR1" 10 t_new
grade_test "idle conns, flags, locks still right (invariants 1, 2, 3, 5)" 10 t_inv 1 2 3 5
grade_test "legacy mode: steals work too, old tasklet freed on its own thread (invariants 5, 6)" 5 t_legacy
grade_test "ThreadSanitizer: steal-storm runs clean" 15 t_tsan
