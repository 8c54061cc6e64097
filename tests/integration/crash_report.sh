#!/usr/bin/env bash
# timeout: 60
# crash_report.sh - a muxlab that crashes says where: its fatal-signal
# handler writes a backtrace to stderr and the process still dies by the
# signal (exit 128+N, so lab/record and the grader see a crash); the
# grader's crash_why (exercises/lib/gradelib.sh) turns the frames into
# "in FUNCTION (src/FILE.c:LINE), called from ...", the line of the call
# (frames are return addresses). Shown here with SIGSEGV and SIGABRT sent
# to a running engine (it waits in poll() in main's wait_for_end); MUXLAB_NO_BACKTRACE=1 turns the handler off, and then
# the grader names no place.
. "$(dirname "$0")/common.bash"
need_muxlab crash_report
have addr2line || { fail "crash_report: addr2line not installed (binutils: make deps)"; exit 1; }
mkdir -p "$tmp/scn"
remap_ports "$top/lab/scenarios/h1.cfg" "$tmp/scn/h1.cfg"
. "$top/exercises/lib/gradelib.sh"

# crash SIG LOG [ENV...]: run the engine, send SIG once it serves; sets rc
crash() {
	local sig=$1 log=$2 p i
	shift 2
	env "$@" "$muxlab" -f "$tmp/scn/h1.cfg" --no-peers --no-load \
		--duration 30 >"$log" 2>&1 &
	p=$!
	for ((i = 0; i < 50; i++)); do
		grep -q 'mode=' "$log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.2
	kill -"$sig" "$p"
	wait "$p" 2>/dev/null
	rc=$?
}

for sig in SEGV ABRT; do
	crash $sig "$tmp/$sig.log"
	n=$(kill -l "$sig")
	if [ "$rc" = $((128 + n)) ] &&
	   grep -q "fatal signal SIG$sig, backtrace:" "$tmp/$sig.log" &&
	   grep -q 'muxlab(+0x' "$tmp/$sig.log"; then
		pass "crash_report: SIG$sig: a backtrace on stderr, exit $rc"
	else
		fail "crash_report: SIG$sig: exit $rc, $(grep -c 'muxlab(+0x' "$tmp/$sig.log") frames"
	fi
	why=$(crash_why "$tmp/$sig.log" "$rc" "test run")
	# the engine waits in poll(): the frame of wait_for_end is a return
	# address, and the line named must be the call's, not the next one
	line=$(echo "$why" | sed -n 's/.* in wait_for_end (src\/main\.c:\([0-9]*\)).*/\1/p')
	if [[ $why == *"signal $n in the test run, in "*"(src/main.c:"* ]] &&
	   [ -n "$line" ] && sed -n "${line}p" "$top/src/main.c" | grep -q 'poll('; then
		pass "crash_report: SIG$sig: the grader says where: ${why%% (see*}"
	else
		fail "crash_report: SIG$sig: the grader says: $why (line ${line:-?}: $(sed -n "${line:-0}p" "$top/src/main.c" 2>/dev/null))"
	fi
done

crash SEGV "$tmp/off.log" MUXLAB_NO_BACKTRACE=1
why=$(crash_why "$tmp/off.log" "$rc" "test run")
if [ "$rc" = 139 ] && ! grep -q 'backtrace' "$tmp/off.log" &&
   [[ $why != *"(src/"* ]]; then
	pass "crash_report: MUXLAB_NO_BACKTRACE=1: no backtrace, the grader names no place"
else
	fail "crash_report: MUXLAB_NO_BACKTRACE=1: exit $rc, grader: $why"
fi
exit $((nfail > 0))
