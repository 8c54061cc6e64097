#!/usr/bin/env bash
# timeout: 90
# lttng_daemon.sh - lab/lib/lttng.sh, the private LTTng session daemon of
# every recording:
#   - mxl_lttng_clear63 / mxl_lttng_discarded: LTTng 2.13's `lttng list` may
#     print "Discarded events: 9223372036855148192" (2^63 + 372384); the
#     count is 372384, a plain value stays as it is, summed over channels;
#   - mxl_bt_discarded sums babeltrace2's "Tracer discarded N events";
#   - a script with no daemon of its run starts its own (private
#     LTTNG_HOME), and at its exit that daemon and its consumer are gone,
#     the home removed, while the run's daemon still answers;
#   - a script started under a daemon uses it and leaves it running;
#   - two scripts at once each get their own daemon;
#   - a script killed with SIGKILL: its daemon is stopped all the same.
# Exit status: 1 if anything failed.
. "$(dirname "$0")/common.bash"

# ---- decoding (no LTTng needed)
check_eq() {	# check_eq NAME GOT WANT
	if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; fi
}
check_eq "clear63: 2^63 + 372384" "$(mxl_lttng_clear63 9223372036855148192)" 372384
check_eq "clear63: 2^63" "$(mxl_lttng_clear63 9223372036854775808)" 0
check_eq "clear63: 2^64 - 1" "$(mxl_lttng_clear63 18446744073709551615)" \
	9223372036854775807
check_eq "clear63: plain 0" "$(mxl_lttng_clear63 0)" 0
check_eq "clear63: plain 4091" "$(mxl_lttng_clear63 4091)" 4091
check_eq "clear63: plain 2^63 - 1" "$(mxl_lttng_clear63 9223372036854775807)" \
	9223372036854775807
if mxl_lttng_clear63 18446744073709551616 >/dev/null ||
   mxl_lttng_clear63 12x >/dev/null; then
	fail "clear63: accepts 2^64 or a non-number"
else
	pass "clear63: refuses 2^64 and a non-number"
fi
cat >"$tmp/list.out" <<'EOF'
Recording session s: [inactive]
- ch: [enabled]
    Statistics:
      Discarded events: 9223372036855148192
      Lost packets:     0
- ch2: [enabled]
    Statistics:
      Discarded events: 17
      Lost packets:     9223372036854775811
EOF
check_eq "discarded: summed over channels, bit 63 cleared" \
	"$(mxl_lttng_discarded "$tmp/list.out")" 372401
check_eq "lost packets: the same" \
	"$(mxl_lttng_stat "Lost packets" "$tmp/list.out")" 3
cat >"$tmp/bt.err" <<'EOF'
WARNING: Tracer discarded 4091 events between [17:58:39.280123688] and [17:58:39.280684111] in trace "vm/ust/uid/0/64-bit" (UUID: 3cfc1ef7) within stream "ch_0" (stream class ID: 0, stream ID: 0).
WARNING: Tracer discarded 1 event between [17:58:39.280684111] and [17:58:39.280866286] in trace "vm/ust/uid/0/64-bit" (UUID: 3cfc1ef7) within stream "ch_1" (stream class ID: 0, stream ID: 1).
EOF
check_eq "babeltrace2 warnings summed" "$(mxl_bt_discarded "$tmp/bt.err")" 4092
: >"$tmp/empty"
check_eq "no warning, none discarded" "$(mxl_bt_discarded "$tmp/empty")" 0

# ---- the daemon's life cycle
for t in lttng lttng-sessiond; do
	have $t || { fail "lttng_daemon: $t not installed (make deps)"; exit 1; }
done
ensure_sessiond || { fail "lttng_daemon: $mxl_lttng_error"; exit 1; }
run_pid=$MXL_LTTNG_PID

# a child script: reports its daemon, then waits for the go file; its
# own daemon (if any) is stopped with a session still recording
cat >"$tmp/child.sh" <<EOF
. "$top/lab/lib/lttng.sh"
mxl_lttng_isolate "\$@"
trap mxl_lttng_stop EXIT
mxl_lttng_start || { echo "error \$mxl_lttng_error"; exit 1; }
lttng list >/dev/null 2>&1 && a=yes || a=no
# a live session: the daemon has a consumer daemon and work to do on exit
s=lttng-daemon-test-\$\$
lttng create "\$s" --output="\$LTTNG_HOME/trace" >/dev/null &&
lttng enable-channel -u -s "\$s" ch >/dev/null &&
lttng enable-event -u -s "\$s" -c ch 'muxlab:*' >/dev/null &&
lttng start "\$s" >/dev/null || a=no
kids=\$(pgrep -P "\$MXL_LTTNG_PID" | tr '\n' ' ')
echo "daemon \$MXL_LTTNG_PID home \$LTTNG_HOME answers \$a kids \$kids"
while [ ! -e "\$1" ]; do sleep 0.05; done
[ "\$2" != destroy ] || lttng destroy "\$s" >/dev/null
EOF

# start_child NAME keep|destroy [env args]: runs child.sh in the
# background (destroy: it destroys its session before it exits), waits for
# its "daemon" line (up to 30 s) in $tmp/NAME.out
start_child() {
	local name=$1 end=$2 i
	shift 2
	rm -f "$tmp/$name.go"
	env "$@" bash "$tmp/child.sh" "$tmp/$name.go" $end >"$tmp/$name.out" 2>&1 &
	eval "${name}_pid=$!"
	for ((i = 0; i < 300; i++)); do
		grep -q '^daemon\|^error' "$tmp/$name.out" && return 0
		sleep 0.1
	done
	return 1
}
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$2"; }
gone() {	# gone PID: not running, a zombie, or no longer an lttng process
	local comm st
	[ -e "/proc/$1" ] || return 0
	comm=$(cat "/proc/$1/comm" 2>/dev/null)
	case $comm in lttng-*) ;; *) return 0 ;; esac
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ "$st" = Z ]
}

# inherited: same daemon, left running
start_child inh destroy || fail "inherit: child said nothing in 30 s"
touch "$tmp/inh.go"; wait "$inh_pid"
if [ "$(field daemon "$tmp/inh.out")" = "$run_pid" ]; then
	pass "a script under a run's daemon uses it"
else
	fail "inherit: child used '$(head -1 "$tmp/inh.out")', not $run_pid"
fi
lttng list >/dev/null 2>&1 && pass "the run's daemon still answers after that script" ||
	fail "the run's daemon stopped answering after an inheriting script"

# two own daemons at once
noenv=(-u MXL_LTTNG_PID -u MXL_LTTNG_HOME -u LTTNG_HOME -u MXL_LTTNG_NS)
start_child own1 keep "${noenv[@]}" || fail "own1: child said nothing in 30 s"
start_child own2 keep "${noenv[@]}" || fail "own2: child said nothing in 30 s"
d1=$(field daemon "$tmp/own1.out") h1=$(field home "$tmp/own1.out")
d2=$(field daemon "$tmp/own2.out") h2=$(field home "$tmp/own2.out")
k1=$(sed -n 's/.* kids //p' "$tmp/own1.out")
if [ -n "$d1" ] && [ -n "$d2" ] && [ "$d1" != "$d2" ] && [ "$d1" != "$run_pid" ] &&
   [ "$d2" != "$run_pid" ] && [ "$h1" != "$h2" ] &&
   [ "$(field answers "$tmp/own1.out")" = yes ] &&
   [ "$(field answers "$tmp/own2.out")" = yes ]; then
	pass "two scripts at once: two private daemons ($d1, $d2), both answer"
else
	fail "own daemons: '$(head -1 "$tmp/own1.out")' / '$(head -1 "$tmp/own2.out")'"
fi
touch "$tmp/own1.go"; wait "$own1_pid"
ok=1
for p in $d1 $k1; do gone "$p" || { ok=0; fail "own1 exited, its process $p is still there"; }; done
[ "$ok" = 1 ] && pass "a script's own daemon and its children are gone when it exits"
[ -n "$h1" ] && [ ! -e "$h1" ] && pass "its private LTTNG_HOME is removed" ||
	fail "private home '$h1' left behind"
if [ -n "$d2" ] && ! gone "$d2" && lttng list >/dev/null 2>&1; then
	pass "the other script's daemon and the run's still run"
else
	fail "stopping one daemon hit another (own2 $d2, run $run_pid)"
fi
touch "$tmp/own2.go"; wait "$own2_pid"
[ -n "$d2" ] && gone "$d2" && pass "the second one is gone too" ||
	fail "own2's daemon $d2 still there"

# a script killed before its clean-up: the watcher stops its daemon
start_child own3 keep "${noenv[@]}" || fail "own3: child said nothing in 30 s"
d3=$(field daemon "$tmp/own3.out") h3=$(field home "$tmp/own3.out")
kill -KILL "$own3_pid"; wait "$own3_pid" 2>/dev/null
# the watcher notices within a second, then stops the daemon as a clean-up
# does (SIGTERM, SIGKILL after 10 s): on a loaded machine that takes a
# while, so up to 60 s here
for ((i = 0; i < 600; i++)); do
	[ -n "$d3" ] && gone "$d3" && [ ! -e "$h3" ] && break
	sleep 0.1
done
if [ -n "$d3" ] && gone "$d3" && [ -n "$h3" ] && [ ! -e "$h3" ]; then
	pass "a script killed (SIGKILL): its daemon is stopped, its home removed ($((i / 10)) s)"
else
	fail "killed script: daemon '$d3' still there or home '$h3' left after 60 s"
fi
exit $((nfail > 0))
