# tests/peers/common.bash - helpers sourced by the peer tests.
# (Not a test itself: tests/run.sh runs tests/peers/*.sh only.)
#
# Every test prints "PASS name", "FAIL name: why" or "SKIP name: why",
# talks to 127.0.0.1 only, bounds every wait, stops only the processes it
# started (by pid), and exits non-zero if anything failed.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
PS=$build/peer-server
LG=$build/loadgen
FC=$build/peers/fcgi-client
nfail=0

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/muxlab-peers.XXXXXX")
started_pids=()

# stop_pid PID: SIGTERM one process we started, wait up to 5 s, then
# SIGKILL it. Its exit status is left in $stopped_rc.
stop_pid() {
	local pid=$1 i
	stopped_rc=""
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	stopped_rc=$?
}

_peers_cleanup() {
	local p
	for p in "${started_pids[@]}"; do
		stop_pid "$p"
	done
	rm -rf "$tmp"
}
trap _peers_cleanup EXIT
trap 'exit 130' INT TERM

# Build the peers if this script runs on its own (make test builds them).
need_peers() {
	if [ ! -x "$PS" ] || [ ! -x "$LG" ] || [ ! -x "$FC" ]; then
		make -s -C "$top/lab/peers" BUILD="$build" >"$tmp/build.log" 2>&1
	fi
	if [ ! -x "$PS" ] || [ ! -x "$LG" ] || [ ! -x "$FC" ]; then
		fail "build: peers not built (see make -C lab/peers)"
		cat "$tmp/build.log"
		exit 1
	fi
}

# start_server NAME ARGS...: start peer-server on a port of its choosing,
# wait (5 s at most) for its --ready-fd byte, then set $NAME to the port
# and ${NAME}_pid to its pid. Its stderr goes to $tmp/NAME.log.
start_server() {
	local name=$1 fifo=$tmp/$1.ready log=$tmp/$1.log b="" pid port
	shift
	mkfifo "$fifo" || return 1
	"$PS" --listen 127.0.0.1:0 --ready-fd 3 "$@" 3>"$fifo" 2>"$log" &
	pid=$!
	started_pids+=("$pid")
	read -r -t 5 -n 1 b <"$fifo"
	rm -f "$fifo"
	if [ "$b" != R ]; then
		echo "peer-server $* did not get ready:"
		cat "$log"
		return 1
	fi
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" |
		head -n 1)
	[ -n "$port" ] || return 1
	printf -v "$name" '%s' "$port"
	printf -v "${name}_pid" '%s' "$pid"
}

# stop_server NAME: SIGTERM it; its summary line is then in $tmp/NAME.log.
stop_server() {
	local v=${1}_pid
	stop_pid "${!v}"
}

# free_port: a loopback port nobody listens on (for nginx, which needs one
# up front). Random in 10000..32767, below Linux's ephemeral range so that
# no outgoing connection holds it, and checked with a connect attempt.
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((10000 + RANDOM % 22768))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_port PORT: until something listens there (5 s at most).
wait_port() {
	local i
	for ((i = 0; i < 50; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# json_num FILE KEY: the first number after "KEY": in a one-line JSON.
json_num() {
	sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1" | head -n 1
}

# now_ms: a monotonic-enough clock for bounded measurements.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# body_pattern N: the first N bytes of every peer-server body.
body_pattern() {
	local line='0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-'
	local n=$1 reps i
	reps=$(((n + 63) / 64))
	for ((i = 0; i < reps; i++)); do
		printf '%s\n' "$line"
	done | head -c "$n"
}

finish() {
	[ "$nfail" = 0 ]
	exit $?
}
