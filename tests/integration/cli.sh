#!/usr/bin/env bash
# timeout: 90
# cli.sh - the control socket ("stats socket PATH mode 600 level admin" in
# global, src/cli.c) with HAProxy's CLI conventions, through socat: every
# command and its answer while the default scenario runs (help, show info,
# show activity, show pools, show bugs, set mode both ways, set bug and
# back, set delay, the prompt mode), an unknown command's HAProxy-like
# answer, bad arguments, "Permission denied" on a level user socket; the
# socket file is gone after the run; the parser's errors on a bad
# "stats socket" line, which haproxy -c agrees with.
. "$(dirname "$0")/common.bash"
need_muxlab cli
have socat || { fail "cli: socat not installed (make deps)"; exit 1; }

mkdir -p "$tmp/scn"
remap_ports "$top/lab/scenarios/default.cfg" "$tmp/scn/ports.cfg"
sock=$tmp/ctl.sock
add_stats_socket "$tmp/scn/ports.cfg" "$tmp/scn/default.cfg" "$sock"

# ---------------------------------------------------------- the parser
if "$muxlab" -f "$tmp/scn/default.cfg" -c >/dev/null 2>&1; then
	pass "cli: muxlab -c accepts 'stats socket PATH mode 600 level admin'"
else
	fail "cli: muxlab -c refuses the stats socket line"
fi
if have haproxy; then
	haproxy -c -f "$tmp/scn/default.cfg" >/dev/null 2>&1 &&
		pass "cli: haproxy -c accepts the same file" ||
		fail "cli: haproxy -c refuses the scenario with a stats socket"
fi
sed "s#stats socket $sock mode 600 level admin#stats socket $sock level boss#" \
	"$tmp/scn/default.cfg" >"$tmp/scn/bad.cfg"
msg=$("$muxlab" -f "$tmp/scn/bad.cfg" -c 2>&1)
case $msg in
*"bad.cfg:"*"level is user, operator or admin"*)
	pass "cli: a bad level is a FILE:LINE error" ;;
*) fail "cli: bad level: '$msg'" ;;
esac
sed "s#stats socket $sock mode 600 level admin#stats socket $sock bogus#" \
	"$tmp/scn/default.cfg" >"$tmp/scn/bad2.cfg"
msg=$("$muxlab" -f "$tmp/scn/bad2.cfg" -c 2>&1)
case $msg in
*"unknown keyword 'bogus'"*) pass "cli: an unknown stats socket keyword is an error" ;;
*) fail "cli: unknown keyword: '$msg'" ;;
esac

# ---------------------------------------------------------- a live run
# (long enough for every command below on a loaded machine; stopped with
# SIGINT once they are done)
"$muxlab" -f "$tmp/scn/default.cfg" --duration 60 --quiet \
	>"$tmp/run.out" 2>"$tmp/run.err" &
mpid=$!
on_exit "stop_pid $mpid INT"
for ((i = 0; i < 50; i++)); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || { fail "cli: no socket at $sock"; exit 1; }
perm=$(stat -c %a "$sock")
[ "$perm" = 600 ] && pass "cli: socket mode 600" || fail "cli: socket mode $perm"
sleep 0.5

# ask CMD WANT NAME: the answer to CMD matches the extended regex WANT
ask() {
	local ans
	ans=$(cli_cmd "$sock" "$1")
	printf '%s\n' "$ans" >"$tmp/ans.txt"
	if grep -qE -- "$2" "$tmp/ans.txt"; then
		pass "cli: $3"
	else
		fail "cli: $3: '$1' answered:"
		head -8 "$tmp/ans.txt" | sed 's/^/    /'
	fi
}
ask "help" "^  show info +: " "help lists the commands"
ask "help" "^  set mode legacy\|usr1 +: " "help lists set mode"
ask "show info" "^Name: muxlab$" "show info names muxlab"
ask "show info" "^Nbthread: 2$" "show info: Nbthread 2"
ask "show info" "^Thread_modes: usr1 usr1$" "show info: each thread's mode"
ask "show activity" "^requests_ok: [1-9][0-9]* \[ [0-9]+ [0-9]+ \]$" \
	"show activity: requests_ok total [ per thread ]"
ask "show activity" "^io_cb_front_fast: [1-9]" "show activity: the report's io_cb counters"
ask "show activity" "^lock_acq_total: [1-9]" "show activity: lock acquisitions"
ask "show pools" "^T1 +[0-9]+ +[0-9]+ +[0-9]+$" "show pools: idle safe avail per thread"
ask "show pools" "^be_h2/" "show pools: per server"
ask "show bugs" "^no-usr1-set " "show bugs lists the bug modes"
ask "set mode legacy" "^Mode is now legacy on all 2 threads\.$" "set mode legacy"
ask "show info" "^Thread_modes: legacy legacy$" "both threads run in legacy"
sleep 0.3
ask "show activity" "^io_cb_front_locked: [1-9]" "front io_cbs lock in legacy"
ask "set mode usr1" "^Mode is now usr1 on all 2 threads\.$" "set mode usr1"
ask "show info" "^Mode_changes: 4$" "four mode changes (2 threads x 2)"
ask "set bug usr1-attach-or" "^Bug mode is now usr1-attach-or" "set bug NAME"
ask "show info" "^Bug: usr1-attach-or$" "show info names the bug"
ask "set bug none" "^Bug mode is now none" "set bug none"
ask "set delay ctx-read 3" "^Delay ctx-read is now 3 us\.$" "set delay SITE US"
ask "show info" "^Delay_ctx-read_us: 3$" "show info: the delay"
ask "set delay ctx-read 0" "off" "set delay back to 0"
ask "set mode sideways" "expects 'legacy' or 'usr1'" "set mode with a bad mode"
ask "set bug nosuch" "expects a bug mode or 'none':.* no-usr1-set" "set bug with a bad name"
ask "set delay nowhere 5" "expects a delay point \(purge-window, ctx-read\)" "set delay with a bad site"
ask "set delay ctx-read lots" "not a number of microseconds" "set delay with a bad number"
# HAProxy's answers to an unknown command
ask "xyzzy" "^Unknown command: 'xyzzy'\. Please enter one of the following commands only:$" \
	"an unknown command gets the command list"
ask "show nothing" "^Unknown command, but maybe one of the following ones is a better match:$" \
	"an unknown show command gets the show commands"
# several commands on one line, every answer ends with an empty line
case $(printf 'show info;show bugs\n' | socat -t 5 - "UNIX-CONNECT:$sock") in
*"Name: muxlab"*"purge-reinsert"*) pass "cli: 'a;b' runs both commands" ;;
*) fail "cli: 'show info;show bugs'" ;;
esac
[ "$(printf 'show bugs\n' | socat -t 5 - "UNIX-CONNECT:$sock" | tail -c 2 | od -An -c | tr -d ' ')" = '\n\n' ] &&
	pass "cli: an answer ends with an empty line" ||
	fail "cli: the answer does not end with an empty line"
# interactive: a prompt after each answer, until quit
out=$(printf 'prompt\nshow info\nquit\n' | socat -t 5 - "UNIX-CONNECT:$sock")
case $out in
$'\n> Name: muxlab'*$'\n> ') pass "cli: prompt mode: '> ' after each answer, quit closes" ;;
*) fail "cli: prompt mode: $(printf '%s' "$out" | head -c 80 | od -c | head -3)" ;;
esac

stop_pid $mpid INT
[ "$stopped_rc" = 0 ] && pass "cli: the run ends cleanly (exit 0, no leak)" ||
	fail "cli: muxlab exit $stopped_rc: $(tail -3 "$tmp/run.err")"
[ -e "$sock" ] && fail "cli: the socket file stays after the run" ||
	pass "cli: the socket file is removed at the end"

# ------------------------------------------------- level user: read-only
sed "s#mode 600 level admin#level user#" "$tmp/scn/default.cfg" >"$tmp/scn/user.cfg"
"$muxlab" -f "$tmp/scn/user.cfg" --duration 3 --quiet --no-load \
	>/dev/null 2>"$tmp/user.err" &
upid=$!
on_exit "stop_pid $upid INT"
for ((i = 0; i < 50; i++)); do
	[ -S "$sock" ] && break
	sleep 0.1
done
ask "set mode legacy" "^Permission denied$" "level user: set mode is denied"
ask "show info" "^Mode: usr1$" "level user: show info works, the mode did not change"
stop_pid $upid INT
exit $((nfail > 0))
