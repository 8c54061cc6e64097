# exercise 03 - the gated prologue (H1). Sourced by lab/grade.
: "${duration:=2}"

# the usr1 run also wakes idle connections with no I/O (--wake-idle 5):
# their io_cb must take them out of their list and put them back
usr1()   { record_trace usr1 h1 usr1 --wake-idle 5; }
legacy() { record_trace legacy h1 legacy; }

t_clean() { usr1 && run_ends_cleanly usr1; }
# invariant 1 first: its failure names the first locked front io_cb
t_front() {
	usr1 && inv_ok "$trace" --mux h1 1 &&
		fact_pos "$trace" io_cb.h1.front.fast "lock-free front io_cb"
}
t_path() {
	usr1 && fact_pos "$trace" io_cb.h1.back.locked "back io_cb on the locked path" &&
		fact_pos "$trace" reinsert.h1 "idle connection taken out of its list and put back by its io_cb (woken with no I/O: --wake-idle)" &&
		no_bad "$trace" "idle connection put back into another list than it came from" reinsert_list.h1 &&
		no_bad "$trace" "io_cb whose path does not follow USR1" \
			fast_usr1.h1 locked_no_usr1.h1.back locked_no_usr1.h1.front &&
		inv_ok "$trace" --mux h1 5	# and the fast path takes no lock
}
t_stolen() {
	usr1 && fact_pos "$trace" takeover_ok.h1 "successful takeover" &&
		fact_pos "$trace" stolen.h1 "io_cb_stolen (a stolen tasklet freeing itself)" &&
		inv_ok "$trace" --mux h1 4 &&
		no_bad "$trace" "stolen tasklets never freed" stolen_leak.h1
}
# ctx-race: steals while the scheduler holds a copied context for 5 ms
t_race() {
	record_trace race ctx-race usr1 && run_ends_cleanly race &&
		fact_pos "$trace" stolen.h1 "io_cb_stolen in the ctx-race run (a stolen tasklet freeing itself)" &&
		inv_ok "$trace" --mux h1 4
}
t_inv()    { usr1 && inv_ok "$trace" "$@"; }
t_legacy() { legacy && inv_ok "$trace" 6 && run_ends_cleanly legacy; }

grade_test "build" 5 need_build
grade_test "usr1 run ends cleanly (no crash, no leak)" 15 t_clean
grade_test "front io_cb never lock (invariant 1)" 10 t_front
grade_test "the path follows USR1: locked exactly when it is set (the conn out of its list meanwhile), the fast path takes no lock" 10 t_path
grade_test "stolen tasklets freed on their old thread (invariant 4)" 20 t_stolen
grade_test "idle conns locked, flag order, lock pairs (invariants 2, 3, 5)" 10 t_inv 2 3 5
grade_test "legacy mode: every io_cb locks (invariant 6)" 10 t_legacy
grade_test "the context is re-read under the lock (ctx-race, invariant 4)" 10 t_race
grade_test "ThreadSanitizer: steal-storm runs clean" 10 tsan_clean steal-storm 3
