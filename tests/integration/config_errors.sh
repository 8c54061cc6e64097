#!/usr/bin/env bash
# config_errors.sh - bad scenarios and bad command lines fail cleanly: a
# message that starts with "FILE:LINE:" and exit status 1, never a crash
# or a run.
. "$(dirname "$0")/common.bash"
need_muxlab config_errors

good=$tmp/good.cfg
cat >"$good" <<'CFG'
global
	nbthread 2
defaults
	mode http
frontend f
	bind 127.0.0.1:18999
	default_backend b
backend b
	server s1 127.0.0.1:19999
CFG

# expect_cfg_error NAME LINE TEXT-TO-APPEND
expect_cfg_error() {
	local name=$1 line=$2 f=$tmp/$1.cfg out rc
	{ cat "$good"; printf '%b' "$3"; } >"$f"
	out=$("$muxlab" -f "$f" --duration 1 2>&1)
	rc=$?
	if [ $rc != 1 ]; then
		fail "$name: exit status $rc, want 1 ($out)"
	elif ! echo "$out" | grep -q "^$f:$line: "; then
		fail "$name: no '$f:$line:' in: $out"
	else
		pass "$name ($(echo "$out" | head -1 | sed "s|^$tmp/||"))"
	fi
}

expect_cfg_error unknown-directive 12 'frontend g\n\tbind :18998\n\tfrobnicate yes\n'
expect_cfg_error unknown-global 11 'global\n\tnbproc 4\n'
expect_cfg_error bind-thread-too-big 11 'frontend g\n\tbind 127.0.0.1:18998 thread 3\n\tdefault_backend b\n'
expect_cfg_error unknown-backend 12 'frontend g\n\tbind 127.0.0.1:18998\n\tdefault_backend nowhere\n'
expect_cfg_error bad-time 10 '\ttimeout server 5 seconds\n'
expect_cfg_error server-keyword 10 '\tserver s2 127.0.0.1:19998 weight 10\n'
expect_cfg_error lab-keyword 10 '#@lab colour blue\n'
expect_cfg_error lab-duration 10 '#@lab duration forever\n'
expect_cfg_error lab-delay-site 10 '#@lab delay everywhere 100\n'
expect_cfg_error lab-delay-us 10 '#@lab delay purge-window -5\n'
expect_cfg_error lab-wake-idle 10 '#@lab wake-idle 5ms\n'
expect_cfg_error lab-wake-idle-big 10 '#@lab wake-idle 60001\n'
expect_cfg_error lab-peer-unknown 10 '#@lab peer nobody --proto h1 --listen 127.0.0.1:19997\n'
# peer and load options go through the programs' own parsers at -c time
expect_cfg_error lab-load-typo 10 '#@lab load --proto h1 --target 127.0.0.1:18999 --conections 4\n'
expect_cfg_error lab-load-value 10 '#@lab load --proto h1 --target 127.0.0.1:18999 --rate fast\n'
expect_cfg_error lab-peer-typo 10 '#@lab peer s1 --proto h1 --listen 127.0.0.1:19999 --keepalive-timout 100\n'
expect_cfg_error lab-peer-value 10 '#@lab peer s1 --proto h4 --listen 127.0.0.1:19999\n'

# command line
out=$("$muxlab" -f "$good" -c 2>&1) && pass "good scenario -c: exit 0" ||
	fail "good scenario -c: $out"
"$muxlab" -f "$tmp/missing.cfg" -c >/dev/null 2>&1
[ $? = 1 ] && pass "missing file: exit 1" || fail "missing file: not exit 1"
"$muxlab" -f "$good" --mode sideways -c >/dev/null 2>&1
[ $? = 1 ] && pass "bad --mode: exit 1" || fail "bad --mode: not exit 1"
out=$("$muxlab" -f "$good" --bug no-such-bug -c 2>&1)
[ $? = 1 ] && echo "$out" | grep -q no-such-bug && pass "unknown --bug: exit 1" ||
	fail "unknown --bug: $out"
out=$("$muxlab" -f "$good" --delay nowhere=5 -c 2>&1)
[ $? = 1 ] && echo "$out" | grep -q purge-window &&
	pass "unknown --delay site: exit 1, valid sites listed" ||
	fail "unknown --delay site: $out"
"$muxlab" -f "$good" --delay ctx-read=soon -c >/dev/null 2>&1
[ $? = 1 ] && pass "bad --delay value: exit 1" || fail "bad --delay value: not exit 1"
"$muxlab" --frobnicate >/dev/null 2>&1
[ $? = 1 ] && pass "unknown option: exit 1" || fail "unknown option: not exit 1"
"$muxlab" >/dev/null 2>&1
[ $? = 1 ] && pass "no -f: exit 1" || fail "no -f: not exit 1"
"$muxlab" --help | grep -q -- '--mode' && pass "--help" || fail "--help"
"$muxlab" --version | grep -q 0x00010000 && pass "--version names TASK_F_USR1" ||
	fail "--version"
out=$("$muxlab" --list-bugs)
if echo "$out" | grep -q '^none ' && [ "$(echo "$out" | wc -l)" -ge 3 ]; then
	pass "--list-bugs ($(($(echo "$out" | wc -l) - 1)) entries)"
else
	fail "--list-bugs: $out"
fi

# a bug mode whose code never ran is named at the end of the run (here: no
# traffic, so no purge and no detach), one whose code ran is not
mkdir -p "$tmp/scn"
remap_ports "$top/lab/scenarios/h1.cfg" "$tmp/scn/h1.cfg"
out=$(timeout 20 "$muxlab" -f "$good" --duration 0.3 --quiet \
	--bug purge-clear-bits 2>&1)
echo "$out" | grep -q "warning: bug mode 'purge-clear-bits' never reached.*bug_on_mode(BUG_PURGE_CLEAR_BITS)" &&
	pass "unreached bug mode named at exit" ||
	fail "unreached bug mode not named: $out"
out=$(timeout 20 "$muxlab" -f "$tmp/scn/h1.cfg" --duration 1 --quiet \
	--bug no-usr1-set 2>&1)
if echo "$out" | grep -q 'never reached'; then
	fail "a bug mode that ran was called unreached: $out"
elif ! echo "$out" | grep -q 'requests'; then
	fail "bug mode run served nothing: $out"
else
	pass "a bug mode that ran is not called unreached"
fi

# a port in use is a start-up error (1), not a hang. The holder binds a
# port the kernel picks and says which: a port found free beforehand may be
# taken in between, or held in TIME_WAIT so that a plain bind fails.
if have python3; then
	python3 -c "import socket,time,sys
s=socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(20)" >"$tmp/busy.port" &
	holder=$!
	on_exit "kill $holder 2>/dev/null"
	for _ in $(seq 50); do [ -s "$tmp/busy.port" ] && break; sleep 0.1; done
	busy=$(cat "$tmp/busy.port")
	sed "s/18999/$busy/" "$good" >"$tmp/busy.cfg"
	out=$(timeout 10 "$muxlab" -f "$tmp/busy.cfg" --duration 1 --quiet 2>&1)
	rc=$?
	[ -n "$busy" ] && [ $rc = 1 ] &&
		pass "port in use: exit 1 ($(echo "$out" | head -1))" ||
		fail "port in use (${busy:-no port held}): exit $rc: $out"
	kill $holder 2>/dev/null
fi
exit $((nfail > 0))
