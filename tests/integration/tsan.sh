#!/usr/bin/env bash
# tsan.sh - ThreadSanitizer: build muxlab with -fsanitize=thread
# (`make tsan`, build-tsan/muxlab) and run the steal-heavy scenario for a
# short while; ThreadSanitizer must report nothing and the run must end
# cleanly (exit 0, leak check included); then again while the control
# socket flips the mode six times and plants and removes a bug mode.
# timeout: 420
. "$(dirname "$0")/common.bash"

log=$tmp/make-tsan.log
if ! make -C "$top" tsan >"$log" 2>&1; then
	fail "make tsan: $(grep -m3 -E 'error|Error' "$log" | tr '\n' ' ')"
	exit 1
fi
pass "make tsan"
bin=$top/build-tsan/muxlab
[ -x "$build/peer-server" ] || { fail "tsan: $build/peer-server not built"; exit 1; }

# setarch -R: TSan on some kernels needs ASLR off ("unexpected memory
# mapping"); harmless otherwise.
run() {
	local name=$1 out=$tmp/tsan-$1.log rc
	shift
	MUXLAB_PEER_DIR=$build TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
		timeout -k 5 120 setarch "$(uname -m)" -R "$bin" "$@" >"$out" 2>&1
	rc=$?
	n=$(grep -c 'WARNING: ThreadSanitizer' "$out")
	if [ "$n" = 0 ] && [ $rc = 0 ]; then
		pass "tsan $name: no report, exit 0"
	else
		fail "tsan $name: $n ThreadSanitizer report(s), exit $rc"
		# one line per distinct report, then the first one in full
		grep '^SUMMARY: ThreadSanitizer' "$out" | sort | uniq -c |
			sed 's/^/    /'
		grep -m1 -A25 'WARNING: ThreadSanitizer' "$out" | sed 's/^/    /'
		[ "$n" = 0 ] && tail -15 "$out" | sed 's/^/    /'
	fi
}
# ThreadSanitizer slows the engine 5-15x: the scenarios with a tenth of
# each load generator's request rate and ten times the servers' idle
# timeouts (slow_scenario, lab/lib/ports.sh).
. "$top/lab/lib/ports.sh"
for s in steal-storm default; do
	remap_ports "$top/lab/scenarios/$s.cfg" "$tmp/$s.ports.cfg"
	slow_scenario "$tmp/$s.ports.cfg" "$tmp/$s.cfg"
done
run steal-storm -f "$tmp/steal-storm.cfg" --duration 3
run default-legacy -f "$tmp/default.cfg" --duration 2 --mode legacy

# The mode flipped while the steals go on: the control socket's "set
# mode" every 300 ms (each thread switches at a quiescent point of its
# loop, flagging its idle conns under its own lock while the others try
# to steal them), then a bug mode planted and taken out (the threads
# repair what it left). ThreadSanitizer must stay silent here too.
sock=$tmp/tsan-ctl.sock
add_stats_socket "$tmp/steal-storm.cfg" "$tmp/steal-storm-flip.cfg" "$sock"
(
	for ((i = 0; i < 200; i++)); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	n=0
	for m in legacy usr1 legacy usr1 legacy usr1; do
		sleep 0.3
		cli_cmd "$sock" "set mode $m" | grep -q "now $m" && n=$((n + 1))
	done
	cli_cmd "$sock" "set bug usr1-attach-or" | grep -q "now usr1-attach-or" &&
		n=$((n + 1))
	sleep 0.3
	cli_cmd "$sock" "set bug none" | grep -q "now none" && n=$((n + 1))
	echo $n >"$tmp/flips"
) &
fpid=$!
run steal-storm-flips -f "$tmp/steal-storm-flip.cfg" --duration 6
wait $fpid
flips=$(cat "$tmp/flips" 2>/dev/null)
[ "$flips" = 8 ] && pass "tsan: 6 mode flips and a bug planted and removed, all answered" ||
	fail "tsan: ${flips:-0} of 8 mode/bug changes answered"
exit $((nfail > 0))
