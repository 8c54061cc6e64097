# tests/viewer/lib.sh - helpers shared by the muxview test scripts.
#
# Sourced, not run. Gives: $MUXVIEW, $GENTRACE, $TESTBIN, pass/fail,
# need_lttng (a private LTTng session daemon, lab/lib/lttng.sh: the one of
# the run that started this script, e.g. tests/viewer/run.sh, else one of
# its own, stopped and waited for by cleanup_lttng), record_trace DIR
# [--ctx vtid|none] [--events PATTERN] -- GENTRACE_ARGS... (records into
# DIR with a unique session name) and cached_trace NAME GENTRACE_ARGS...
# (records once per test run into $MUXVIEW_TRACES, shared by the scripts
# of one run.sh). For root, sourcing this re-executes the script in a
# private mount namespace (same pid, same arguments) unless it already
# runs under a muxlab daemon.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/lab/lib/lttng.sh"
mxl_lttng_isolate "$@"
# the top-level build (build/) first, else the standalone one (viewer/)
_b=$top/${BUILD:-build}
if [ -z "${MUXVIEW:-}" ]; then
	MUXVIEW=$_b/muxview
	[ -x "$MUXVIEW" ] || MUXVIEW=$top/viewer/muxview
fi
if [ -z "${GENTRACE:-}" ]; then
	GENTRACE=$_b/gentrace
	[ -x "$GENTRACE" ] || GENTRACE=$top/viewer/gentrace
fi
if [ -z "${TESTBIN:-}" ]; then
	TESTBIN=$_b/tests/viewer
	[ -x "$TESTBIN/test_model" ] || TESTBIN=$top/viewer/build
fi
if [ -z "${MUXVIEW_TRACES:-}" ]; then
	# not run from run.sh: our own trace cache, removed at exit
	MUXVIEW_TRACES=${TMPDIR:-/tmp}/muxview-traces-$(id -u)-$$
	_own_traces=1
fi
export MUXVIEW GENTRACE TESTBIN MUXVIEW_TRACES
mkdir -p "$MUXVIEW_TRACES"

_sessions=()

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

cleanup_lttng() {
	local s
	for s in "${_sessions[@]}"; do
		lttng destroy "$s" >/dev/null 2>&1
	done
	mxl_lttng_stop
	if [ -n "${_own_traces:-}" ]; then
		rm -rf "$MUXVIEW_TRACES"
	fi
}
trap cleanup_lttng EXIT

# need_lttng: call in the script's own shell (not in $(...)); on failure
# the reason is in $mxl_lttng_error
need_lttng() {
	mxl_lttng_start
}

# record_trace DIR [--ctx none] [--events PAT] [--tiny] -- gentrace args
# (--tiny: 2 x 4 KiB sub-buffers, so that the tracer discards events)
record_trace() {
	local dir=$1 ctx=vtid pat='muxlab:*' sub=8M nsub=8 s
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--ctx) ctx=$2; shift 2 ;;
		--events) pat=$2; shift 2 ;;
		--tiny) sub=4096 nsub=2; shift ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	s=mvtest-$$-$RANDOM$RANDOM
	_sessions+=("$s")
	rm -rf "$dir"
	# record_trace may run in a subshell ($(cached_trace ...)), where the
	# EXIT trap does not see _sessions: destroy the session here too
	if ! {
		lttng create "$s" --output="$dir" &&
		lttng enable-channel -u -s "$s" --subbuf-size=$sub \
			--num-subbuf=$nsub ch &&
		lttng enable-event -u -s "$s" -c ch "$pat" &&
		if [ "$ctx" = vtid ]; then
			lttng add-context -u -s "$s" -c ch -t vtid
		fi &&
		lttng untrack -u -s "$s" --vpid --all &&
		_record_run "$s" "$@" &&
		lttng stop "$s" &&
		lttng destroy "$s"
	} >"$dir.log" 2>&1; then
		lttng destroy "$s" >/dev/null 2>&1
		return 1
	fi
}

# Only gentrace's own events: other programs of this user may emit muxlab
# events at the same time (the engine's tests), so the session tracks the
# pid of our gentrace alone, which waits for a go file to start.
_record_run() {
	local s=$1 pid go st
	shift
	go=$(mktemp -u "${TMPDIR:-/tmp}/gentrace-go.XXXXXX")
	"$GENTRACE" --wait "$go" "$@" &
	pid=$!
	if ! lttng track -u -s "$s" --vpid="$pid" || ! lttng start "$s"; then
		touch "$go"
		wait "$pid"
		rm -f "$go"
		return 1
	fi
	touch "$go"
	wait "$pid"
	st=$?
	rm -f "$go"
	return $st
}

# cached_trace NAME gentrace-args... -> prints the trace dir
cached_trace() {
	local name=$1 dir
	shift
	dir=$MUXVIEW_TRACES/$name
	if [ ! -f "$dir/.done" ]; then
		record_trace "$dir" -- "$@" || return 1
		touch "$dir/.done"
	fi
	echo "$dir"
}
