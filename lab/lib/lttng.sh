# lab/lib/lttng.sh - one private LTTng session daemon per muxlab run.
#
# Sourced (bash) by everything that records a trace: lab/record, lab/bench,
# lab/demo, lab/stress, tests/run.sh, tests/integration/common.bash and
# tests/viewer/lib.sh. Not run on its own.
#
#   . "$top/lab/lib/lttng.sh"
#   mxl_lttng_isolate "$@"      # first, with the script's own arguments
#   ...
#   mxl_lttng_start || die "$mxl_lttng_error"
#   ... lttng create / enable-event / track / start, run the app ...
#   mxl_lttng_stop              # in the script's clean-up (EXIT trap)
#
# Why: two runs that share a session daemon (or share a user's own daemon)
# break each other: one stops the daemon while the other still records
# ("No session daemon is available"), or an old daemon still answers while
# it shuts down. So a run never shares a daemon with another run, and never
# stops one it did not start:
#
#   - mxl_lttng_start makes a private LTTNG_HOME, /tmp/mxl.XXXXXX (short:
#     unix socket paths hold at most 108 bytes), starts
#     `lttng-sessiond --daemonize --no-kernel` there, waits until it
#     answers, and exports LTTNG_HOME, so the lttng client, the traced
#     application (its lttng-ust registers with the daemon of its
#     LTTNG_HOME) and the consumer daemon (its sockets live under that home)
#     all meet there and nowhere else.
#   - root is different: its lttng client, its daemon and lttng-ust always
#     use /run/lttng, whatever LTTNG_HOME says. mxl_lttng_isolate therefore
#     re-executes the calling script (same pid, same arguments) in a private
#     mount namespace (unshare -m), and mxl_lttng_start mounts the private
#     home's run/ folder on /run/lttng there. The script and everything it
#     starts see that daemon; the rest of the machine does not see it.
#   - a script started by one that already owns a daemon (lab/record run by
#     tests/run.sh, lab/demo or lab/stress) uses that daemon and leaves it
#     alone: MXL_LTTNG_PID and MXL_LTTNG_HOME in the environment name it.
#   - mxl_lttng_stop stops only the daemon this script started, by pid
#     (with its consumer daemon and helper), waits until they are gone
#     (SIGTERM, 10 s, then SIGKILL), and removes the private home. If the
#     script is killed before its clean-up runs, a watcher process does
#     the same within a second.
#   - root where unshare is not allowed (a restricted container): the
#     machine's daemon is shared. If one answers it is used and left
#     running; if none does, one is started, and the last muxlab run using
#     it stops it (a shared flock on /run/lttng/muxlab.lock counts users).
#
# The `lttng` function below runs the lttng client with --no-sessiond, so a
# missing daemon is an error and never an unowned daemon spawned on the fly
# (and, for a user in the tracing group, with a tracing group that does not
# exist, so the client talks to the private per-user daemon and not to
# root's). LTTNG_UST_REGISTER_TIMEOUT (milliseconds the traced application
# waits in its constructor for the daemon to register it and hand it the
# enabled events) is raised to 20000 from lttng-ust's 3000, so that on a busy
# machine the first events (run_start) are not emitted before the session is
# known to the application. A caller's own value is kept.
#
# Functions (each returns 0 on success):
#   mxl_lttng_isolate ARGS...  root only: re-exec in a private mount
#                              namespace unless done or not needed
#   mxl_lttng_start            a daemon that answers; else returns 1 and
#                              sets mxl_lttng_error
#   mxl_lttng_stop             stop what mxl_lttng_start started
#   mxl_lttng_clear63 VALUE    print VALUE (decimal, < 2^64) with bit 63
#                              cleared (see mxl_lttng_discarded)
#   mxl_lttng_discarded FILE   print the events discarded, summed over the
#                              channels of `lttng list SESSION` output FILE
#                              (bit 63 cleared in each)
#   mxl_lttng_stat LABEL FILE  the same for another statistic ("Lost packets")
#   mxl_bt_discarded FILE      print the events discarded, summed over the
#                              "discarded N events" warnings babeltrace2
#                              wrote to FILE (its stderr)
#   mxl_subbuf SPEC            SPEC SIZExN (or "" for the default): sets
#                              mxl_subbuf_size and mxl_subbuf_num for
#                              `lttng enable-channel --subbuf-size SIZE
#                              --num-subbuf N`; else returns 1 and sets
#                              mxl_lttng_error
#
# The sub-buffers (lab/record, lab/bench): MXL_SUBBUF_DEFAULT, 1Mx8, an
# 8 MiB ring per CPU. Measured on bench-h1 with wrk (docs/bench.md), a ring
# of 8 MiB sub-buffers x 8 (64 MiB per CPU) cost the traced proxy 6.7 to
# 9.1 us more CPU per request and the consumer daemon 1.1 to 1.4 us; 1 MiB
# x 8 costs 0 to 2 us and 0.35 us: a ring that the writer laps stays in
# the caches, and the consumer copies each sub-buffer while it is still
# there. It holds about 1.4 s of the engine's fastest output per CPU,
# which a consumer that is not starved that long empties in time. A
# machine that discards with it (lab/record says so) can take a larger
# one: --subbuf 8Mx8.

mxl_lttng_error=""
MXL_SUBBUF_DEFAULT=1Mx8
mxl_subbuf_size="" mxl_subbuf_num=""
mxl_subbuf() {
	local spec=${1:-$MXL_SUBBUF_DEFAULT}

	# lttng enable-channel takes the suffixes k, K, M and G
	if [[ $spec =~ ^([1-9][0-9]{0,9}[kKMG]?)x([1-9][0-9]{0,5})$ ]]; then
		mxl_subbuf_size=${BASH_REMATCH[1]} mxl_subbuf_num=${BASH_REMATCH[2]}
		return 0
	fi
	mxl_lttng_error="--subbuf wants SIZExN, a sub-buffer's size (bytes, or with a k, K, M or G suffix) and their number (LTTng rounds both up to powers of 2): '$spec'"
	return 1
}
_mxl_own=""		# pid of the daemon this shell started
_mxl_home=""		# its private LTTNG_HOME, removed by mxl_lttng_stop
_mxl_lockfd=""		# shared mode: the fd holding the users' lock
_mxl_lock=/run/lttng/muxlab.lock
_mxl_mark=/run/lttng/muxlab-sessiond.pid
_mxl_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lttng.sh

if type -P lttng >/dev/null 2>&1; then
	_mxl_group=""
	if [ "$(id -u)" != 0 ] && id -Gn 2>/dev/null | tr ' ' '\n' |
	   grep -qx tracing; then
		_mxl_group=muxlab-no-such-group
	fi
	lttng() {
		command lttng --no-sessiond ${_mxl_group:+--group="$_mxl_group"} "$@"
	}
fi

# _mxl_pidinfo PID: "PID:STARTTIME" while PID runs (not a zombie), else ""
_mxl_pidinfo() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	set -- "$1" $s
	[ "$2" != Z ] || return 1
	echo "$1:${21}"
}

# _mxl_running PID:STARTTIME: is that very process still running?
_mxl_running() {
	[ "$(_mxl_pidinfo "${1%%:*}")" = "$1" ]
}

# _mxl_is_sessiond PID: PID is a running lttng-sessiond
_mxl_is_sessiond() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = lttng-sessiond ] &&
		_mxl_pidinfo "$1" >/dev/null
}

_mxl_answers() {
	lttng list >/dev/null 2>&1
}

# _mxl_inherited: a daemon started by the script that started us serves us
# (same LTTNG_HOME, still running, and for root in our mount namespace)
_mxl_inherited() {
	[ -n "${MXL_LTTNG_PID:-}" ] && [ -n "${MXL_LTTNG_HOME:-}" ] &&
	[ "${LTTNG_HOME:-}" = "$MXL_LTTNG_HOME" ] &&
	_mxl_is_sessiond "$MXL_LTTNG_PID" || return 1
	[ "$(id -u)" != 0 ] || [ "$(readlink /proc/self/ns/mnt)" = \
		"$(readlink "/proc/$MXL_LTTNG_PID/ns/mnt" 2>/dev/null)" ]
}

mxl_lttng_isolate() {
	[ "$(id -u)" = 0 ] || return 0
	[ "${MXL_LTTNG_NS:-}" != "$$" ] || return 0
	_mxl_inherited && return 0
	type -P lttng-sessiond >/dev/null 2>&1 || return 0
	[ -f "$0" ] || return 0
	# probe first: a container may forbid it (then: shared mode)
	unshare --mount --propagation private true 2>/dev/null || return 0
	export MXL_LTTNG_NS=$$
	exec unshare --mount --propagation private -- "$BASH" "$0" "$@"
}

mxl_lttng_start() {
	local i pidfile
	mxl_lttng_error=""
	export LTTNG_UST_REGISTER_TIMEOUT=${LTTNG_UST_REGISTER_TIMEOUT:-20000}
	if ! type -P lttng >/dev/null 2>&1 ||
	   ! type -P lttng-sessiond >/dev/null 2>&1; then
		mxl_lttng_error="lttng or lttng-sessiond not installed (make deps)"
		return 1
	fi
	if [ -n "$_mxl_own" ] && _mxl_is_sessiond "$_mxl_own" && _mxl_answers
	then
		return 0
	fi
	if _mxl_inherited; then
		_mxl_answers && return 0
		mxl_lttng_error="the session daemon of this run (pid $MXL_LTTNG_PID) does not answer"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && [ "${MXL_LTTNG_NS:-}" != "$$" ]; then
		_mxl_shared_start
		return
	fi

	_mxl_home=$(mktemp -d /tmp/mxl.XXXXXX) || {
		mxl_lttng_error="cannot make a private LTTNG_HOME in /tmp"
		return 1; }
	export LTTNG_HOME=$_mxl_home
	if [ "$(id -u)" = 0 ]; then
		# our own mount namespace (mxl_lttng_isolate): root's run
		# directory becomes the private one
		mkdir -p "$_mxl_home/run" /run/lttng &&
		mount --bind "$_mxl_home/run" /run/lttng || {
			mxl_lttng_error="cannot mount a private /run/lttng"
			return 1; }
		pidfile=/run/lttng/lttng-sessiond.pid
	else
		pidfile=$_mxl_home/.lttng/lttng-sessiond.pid
	fi
	if ! lttng-sessiond --daemonize --no-kernel \
		>"$_mxl_home/sessiond.log" 2>&1; then
		mxl_lttng_error="cannot start lttng-sessiond: $(tail -n 3 \
			"$_mxl_home/sessiond.log" | tr '\n' ' ')"
		return 1
	fi
	_mxl_own=$(cat "$pidfile" 2>/dev/null)
	if [ -z "$_mxl_own" ] || ! _mxl_is_sessiond "$_mxl_own"; then
		mxl_lttng_error="lttng-sessiond started but wrote no pid in $pidfile"
		_mxl_own=""
		return 1
	fi
	export MXL_LTTNG_PID=$_mxl_own MXL_LTTNG_HOME=$_mxl_home
	# if this script dies without its clean-up (SIGKILL), a watcher stops
	# the daemon: in its own session, so that a signal to this script's
	# process group (timeout, Ctrl-C) leaves it running, and not one of
	# this script's jobs, so that `wait` does not wait for it
	setsid -f "$BASH" -c '. "$1" && _mxl_watch "$2" "$3" "$4"' _ \
		"$_mxl_lib" "$(_mxl_pidinfo $$)" "$(_mxl_pidinfo "$_mxl_own")" \
		"$_mxl_home" </dev/null >/dev/null 2>&1
	# --daemonize returns once the daemon is ready; a busy machine may
	# still make the first answer slow
	for ((i = 0; i < 100; i++)); do
		_mxl_answers && return 0
		sleep 0.1
	done
	mxl_lttng_error="lttng-sessiond (pid $_mxl_own) does not answer"
	return 1
}

# _mxl_stop_tree PID: SIGTERM PID, wait until it and the children it had
# (consumer daemon, run-as helper) are gone; SIGKILL what is left after 10 s
_mxl_stop_tree() {
	local pid=$1 procs p c i left
	procs=$(_mxl_pidinfo "$pid")
	for c in $(pgrep -P "$pid" 2>/dev/null); do
		procs="$procs $(_mxl_pidinfo "$c")"
		for p in $(pgrep -P "$c" 2>/dev/null); do
			procs="$procs $(_mxl_pidinfo "$p")"
		done
	done
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 150; i++)); do
		left=""
		for p in $procs; do
			_mxl_running "$p" && left="$left $p"
		done
		[ -n "$left" ] || return 0
		if [ $i = 100 ]; then
			echo "lttng.sh: lttng-sessiond $pid still there after 10 s: SIGKILL" >&2
			for p in $left; do kill -KILL "${p%%:*}" 2>/dev/null; done
		fi
		sleep 0.1
	done
	echo "lttng.sh: processes$left of lttng-sessiond $pid did not exit" >&2
	return 1
}

# _mxl_watch OWNER DAEMON HOME (PID:STARTTIME each): once OWNER is gone,
# stop DAEMON if it still runs and remove HOME
_mxl_watch() {
	while _mxl_running "$1"; do
		sleep 1
	done
	! _mxl_running "$2" || _mxl_stop_tree "${2%%:*}"
	rm -rf "$3"
}

mxl_lttng_stop() {
	if [ -n "$_mxl_lockfd" ]; then
		_mxl_shared_stop
		return
	fi
	if [ -n "$_mxl_own" ]; then
		_mxl_is_sessiond "$_mxl_own" && _mxl_stop_tree "$_mxl_own"
		_mxl_own=""
		unset MXL_LTTNG_PID MXL_LTTNG_HOME
	fi
	if [ -n "$_mxl_home" ]; then
		rm -rf "$_mxl_home"
		_mxl_home=""
	fi
	return 0
}

# shared mode (root without a mount namespace): users of the machine's
# daemon hold a shared lock; the one that can take it exclusively is the
# last, and stops the daemon if a muxlab run started it
_mxl_shared_start() {
	local pid i
	mkdir -p /run/lttng && exec {_mxl_lockfd}>>"$_mxl_lock" &&
	flock -s -w 60 "$_mxl_lockfd" || {
		mxl_lttng_error="cannot lock $_mxl_lock"
		_mxl_lockfd=""
		return 1; }
	_mxl_answers && return 0
	# not holding the lock itself: the lock fd stays out of the daemon
	lttng-sessiond --daemonize --no-kernel >/dev/null 2>&1 {_mxl_lockfd}>&-
	pid=$(cat /run/lttng/lttng-sessiond.pid 2>/dev/null)
	[ -n "$pid" ] && _mxl_is_sessiond "$pid" && echo "$pid" >"$_mxl_mark"
	for ((i = 0; i < 100; i++)); do
		_mxl_answers && return 0
		sleep 0.1
	done
	mxl_lttng_error="no LTTng session daemon answers"
	return 1
}

_mxl_shared_stop() {
	local pid
	if flock -x -n "$_mxl_lockfd"; then
		pid=$(cat "$_mxl_mark" 2>/dev/null)
		if [ -n "$pid" ] && _mxl_is_sessiond "$pid" &&
		   [ "$(cat /run/lttng/lttng-sessiond.pid 2>/dev/null)" = "$pid" ]
		then
			_mxl_stop_tree "$pid"
		fi
		rm -f "$_mxl_mark"
	fi
	exec {_mxl_lockfd}>&-
	_mxl_lockfd=""
}

# LTTng 2.13's `lttng list` may print a channel's "Discarded events" with
# bit 63 set (2^63 + the real count, e.g. 9223372036855148192 for 372384),
# too big for shell arithmetic and rounded by awk's doubles. Clear it on the
# decimal digits: VALUE = HI * 10^18 + LO, 2^63 = 9 * 10^18 + 223372036854775808.
mxl_lttng_clear63() {
	local v=$1 hi lo
	case $v in ''|*[!0-9]*) return 1 ;; esac
	while [ ${#v} -gt 1 ] && [ "${v:0:1}" = 0 ]; do v=${v:1}; done
	if [ ${#v} -lt 19 ]; then
		echo "$v"
		return 0
	fi
	[ ${#v} -le 20 ] || return 1
	hi=$((10#${v:0:${#v}-18}))
	lo=$((10#${v: -18}))
	if [ $hi -lt 9 ] || { [ $hi = 9 ] && [ $lo -lt 223372036854775808 ]; }
	then
		echo "$v"			# < 2^63: as is
	elif [ $hi -lt 18 ] || { [ $hi = 18 ] && [ $lo -le 446744073709551615 ]; }
	then
		echo $(((hi - 9) * 1000000000000000000 + lo - 223372036854775808))
	else
		return 1			# >= 2^64
	fi
}

# mxl_lttng_stat LABEL FILE: the sum of "LABEL: N" over the channels in
# FILE (`lttng list SESSION` output), each N with bit 63 cleared
mxl_lttng_stat() {
	local v d sum=0
	for v in $(sed -n "s/^ *$1: *\([0-9][0-9]*\).*/\1/p" "$2"); do
		d=$(mxl_lttng_clear63 "$v") || return 1
		sum=$((sum + d))
	done
	echo "$sum"
}

mxl_lttng_discarded() {
	mxl_lttng_stat "Discarded events" "$1"
}

# babeltrace2 (2.0): "WARNING: Tracer discarded 372384 events at ..." or
# "... discarded between [...] and [...]", once per discarded-events message
mxl_bt_discarded() {
	local n sum=0
	for n in $(sed -n 's/.*[Dd]iscarded \([0-9][0-9]*\) events\{0,1\}.*/\1/p' "$1"); do
		sum=$((sum + 10#$n))
	done
	echo "$sum"
}
