# tests/integration/common.bash - helpers sourced by the integration tests.
# (Not a test itself: tests/run.sh runs tests/integration/*.sh only.)
#
# Each test prints "PASS name", "FAIL name: why" or "SKIP name: why" lines,
# cleans up only what it started (processes by pid, its own temp dir), and
# exits non-zero if anything failed.
#
# LTTng: ensure_sessiond gives the test a private session daemon
# (lab/lib/lttng.sh), or the one of the run that started the test (make
# test); lab/record run by the test uses the same one. For root the test
# re-executes itself in a private mount namespace first (same pid).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$top/lab/lib/lttng.sh"
mxl_lttng_isolate "$@"
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
muxlab=$build/muxlab
muxview=$build/muxview
nfail=0

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $*"; }

# a private temp dir, removed at exit (set keep_tmp=1 to keep it)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/muxlab-it.XXXXXX")
keep_tmp=0
cleanup_hooks=()
on_exit() { cleanup_hooks+=("$1"); }
_run_cleanup() {
	local i
	for ((i = ${#cleanup_hooks[@]} - 1; i >= 0; i--)); do
		eval "${cleanup_hooks[i]}"
	done
	[ "$keep_tmp" = 1 ] || rm -rf "$tmp"
}
trap _run_cleanup EXIT
trap 'exit 130' INT TERM

need_muxlab() {
	if [ ! -x "$muxlab" ]; then
		fail "$1: $muxlab is not built (make)"
		exit 1
	fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# stop_pid PID [SIG]: signal one process we started, wait up to 10 s, then
# SIGKILL it. Prints nothing; its exit status is left in $stopped_rc.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	stopped_rc=""
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; stopped_rc=$?; return; }
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	stopped_rc=$?
}

# port_busy, free_port, remap_ports, slow_scenario
. "$top/lab/lib/ports.sh"

# wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT
wait_port() {
	local port=$1 t=${2:-10} i
	for ((i = 0; i < t * 10; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ensure_sessiond: a private LTTng session daemon for this test (or the
# run's), stopped and waited for at exit; on failure the reason is in
# $mxl_lttng_error. Call it in the test's own shell, not in $(...).
ensure_sessiond() {
	on_exit mxl_lttng_stop
	mxl_lttng_start
}

# bt_counts TRACE: count, from babeltrace2's text output alone, what the
# invariant tests assert. Prints "key value" lines; babeltrace2's stderr
# goes to TRACE.bt-err.
bt_counts() {
	babeltrace2 "$1" 2>"$tmp/bt-err.$$" | awk '
	function enumval(field,    re, s) {
		re = field " = \\( \"[a-z0-9_]+\""
		if (!match($0, re))
			return ""
		s = substr($0, RSTART, RLENGTH)
		sub(/.*\( "/, "", s)
		sub(/"$/, "", s)
		return s
	}
	function intval(field,    re, s) {
		re = "[ {]" field " = [0-9]+"
		if (!match($0, re))
			return ""
		s = substr($0, RSTART, RLENGTH)
		sub(/.* = /, "", s)
		return s
	}
	{
		if (!match($0, / muxlab:[a-z0-9_]+:/))
			next
		ev = substr($0, RSTART + 8, RLENGTH - 9)
		n["events"]++
		n["ev_" ev]++
		if (ev == "io_cb")
			n["io_cb_" enumval("side") "_" enumval("path")]++
		else if (ev == "takeover")
			n["takeover_ok" intval("ok")]++
		else if (ev == "run_start")
			mode = enumval("mode")
		else if (ev == "run_end")
			n["run_end_ok"] = intval("requests_ok")
	}
	END {
		printf "mode %s\n", mode == "" ? "unknown" : mode
		for (k in n)
			printf "%s %d\n", k, n[k]
	}'
	cp "$tmp/bt-err.$$" "$tmp/$(basename "$1").bt-err" 2>/dev/null
	echo "bt_discarded_warnings $(grep -ci 'discarded' "$tmp/bt-err.$$")"
}

# get KEY FILE: value of "KEY value" in FILE, 0 if absent
get() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$2"; }

# cli_cmd SOCKET COMMAND: send one command line to a muxlab control socket
# ("stats socket" in global) and print the answer (socat, else python3)
cli_cmd() {
	if have socat; then
		printf '%s\n' "$2" | socat -t 5 - "UNIX-CONNECT:$1" 2>/dev/null
	else
		python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
while True:
    b = s.recv(65536)
    if not b:
        break
    sys.stdout.write(b.decode())
' "$1" "$2" 2>/dev/null
	fi
}

# add_stats_socket SRC DST SOCKET: copy scenario SRC to DST with a control
# socket at SOCKET (level admin) in its global section
add_stats_socket() {
	awk -v s="$3" '{ print } /^global/ && !done {
		print "\tstats socket " s " mode 600 level admin"; done = 1 }' \
		"$1" >"$2"
}

# nginx_conf_head DIR CONNS: the start of a private nginx.conf (to stdout)
# up to and including "http {", with every path under DIR (made here);
# the caller adds its directives and servers and closes the block.
nginx_conf_head() {
	mkdir -p "$1/tmp"
	cat <<NGX
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections $2; }
http {
	access_log off;
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
NGX
}

# start_nginx NGINX DIR PORT: run NGINX on DIR/nginx.conf until the test
# ends; 0 once PORT listens, else 1 after a FAIL line with nginx's words.
# Sets nginx_pid ("" on failure).
start_nginx() {
	"$1" -p "$2" -c "$2/nginx.conf" -e "$2/error.log" >"$2/out.log" 2>&1 &
	nginx_pid=$!
	on_exit "stop_pid $nginx_pid TERM"
	wait_port "$3" 10 && return 0
	fail "nginx did not start: $(tail -3 "$2/error.log" "$2/out.log" 2>/dev/null | tr '\n' ' ')"
	nginx_pid=""
	return 1
}
