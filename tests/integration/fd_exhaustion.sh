#!/usr/bin/env bash
# timeout: 90
# fd_exhaustion.sh - running out of file descriptors must not stop the
# listener (src/listener.c, src/maxconn.c). muxlab under `ulimit -n 64`,
# loaded with `wrk -c200` (more connections than it has fds):
#   - without maxconn: the limit muxlab derives from ulimit -n keeps it
#     out of EMFILE: every response 2xx, and a request after the load gets
#     its 200 at once;
#   - maxconn 20: the same, never more than 20 connections at once (show
#     info's CurrConns sampled during the load), and a keep-alive client
#     connected before the load keeps being served during it;
#   - frontend maxconn 10 under global 40: the frontend's limit holds;
#   - maxconn 4000 (over what the fds allow): accept() meets EMFILE, the
#     listener pauses and retries from its timer: a request after the load
#     gets its 200 (before the fix the listener never accepted again).
# MUXLAB=path runs another build (e.g. an older one, to see it fail).
. "$(dirname "$0")/common.bash"
[ -n "${MUXLAB:-}" ] && muxlab=$MUXLAB
need_muxlab fd_exhaustion
for t in wrk curl socat python3; do
	have $t || { skip "fd_exhaustion: $t not installed (make deps)"; exit 0; }
done

bport=$(free_port 18720)
"$build/peer-server" --proto h1 --listen "127.0.0.1:$bport" \
	--keepalive-timeout 0 --quiet 2>/dev/null &
spid=$!
on_exit "stop_pid $spid"
wait_port "$bport" 5 || { fail "fd_exhaustion: peer-server did not start"; exit 1; }
fport=$(free_port $((bport + 1)))
sock=$tmp/ctl.sock

# scenario GLOBAL_LINE [FRONTEND_LINE]: the config, with "maxconn N" in
# global and in the frontend, or nothing
scenario() {
	cat >"$tmp/fe.cfg" <<CFG
global
	nbthread 2
	$1
	stats socket $sock mode 600 level admin
defaults
	mode http
	timeout connect 2s
	timeout client 10s
	timeout server 10s
frontend fe
	bind 127.0.0.1:$fport
	${2:-}
	default_backend be
backend be
	server s1 127.0.0.1:$bport
CFG
}
info() { echo "show info" | socat -t 2 stdio "unix:$sock" 2>/dev/null | awk -F': ' -v k="$1" '$1 == k { print $2 }'; }

# run LABEL: muxlab under ulimit -n 64, 3 s of wrk -c200; sets $wrk_out,
# $after (the status of a request after the load), $maxcur, $ka (the
# keep-alive client's statuses during the load)
run() {
	( ulimit -n 64; exec "$muxlab" -f "$tmp/fe.cfg" --quiet ) 2>"$tmp/$1.err" &
	mpid=$!
	wait_port "$fport" 5 || { fail "fd_exhaustion $1: muxlab did not start: $(head -2 "$tmp/$1.err")"; stop_pid $mpid; return 1; }
	# a keep-alive client, connected first: one request now, one every
	# 0.5 s during the load, on the same connection
	python3 - "$fport" >"$tmp/$1.ka" 2>&1 <<'PY' &
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
out = []
for i in range(8):
    try:
        c.request("GET", "/ka")
        r = c.getresponse(); r.read()
        out.append(str(r.status))
    except Exception as e:
        out.append(type(e).__name__)
        break
    time.sleep(0.5)
print(" ".join(out))
PY
	kapid=$!
	sleep 0.3
	wrk -t2 -c200 -d3s "http://127.0.0.1:$fport/" >"$tmp/$1.wrk" 2>&1 &
	wpid=$!
	maxcur=0
	while kill -0 $wpid 2>/dev/null; do
		c=$(info CurrConns)
		[ -n "$c" ] && [ "$c" -gt "$maxcur" ] && maxcur=$c
		sleep 0.3
	done
	wait $wpid
	wait $kapid
	ka=$(cat "$tmp/$1.ka")
	wrk_out=$(grep -E 'requests in|Non-2xx' "$tmp/$1.wrk" | tr -s ' ' | tr '\n' ';')
	sleep 0.3
	after=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fport/after")
	nofd=$(info Listener_pauses_nofd)
	maxconn=$(info Maxconn)
	stop_pid $mpid
}
reqs() { echo "$wrk_out" | sed -nE 's/^ ?([0-9]+) requests in.*/\1/p'; }

scenario ""
if run auto; then
	if [ "$(reqs)" -gt 0 ] 2>/dev/null && ! echo "$wrk_out" | grep -q Non-2xx &&
	   [ "$after" = 200 ]; then
		pass "fd_exhaustion: no maxconn, ulimit -n 64: all 2xx under wrk -c200, then 200 (maxconn derived: $maxconn; $wrk_out)"
	else
		fail "fd_exhaustion: no maxconn: wrk '$wrk_out', request after the load: '$after'"
	fi
fi

scenario "maxconn 20"
if run m20; then
	if [ "$(reqs)" -gt 0 ] 2>/dev/null && ! echo "$wrk_out" | grep -q Non-2xx &&
	   [ "$after" = 200 ]; then
		pass "fd_exhaustion: maxconn 20: all 2xx under wrk -c200, then 200 ($wrk_out)"
	else
		fail "fd_exhaustion: maxconn 20: wrk '$wrk_out', request after the load: '$after'"
	fi
	if [ "$maxcur" -le 20 ] && [ "$maxcur" -gt 0 ]; then
		pass "fd_exhaustion: maxconn 20: at most 20 connections at once (CurrConns peaked at $maxcur)"
	else
		fail "fd_exhaustion: maxconn 20: CurrConns reached $maxcur"
	fi
	if [ "$ka" = "200 200 200 200 200 200 200 200" ]; then
		pass "fd_exhaustion: a keep-alive client connected before the overload is served during it"
	else
		fail "fd_exhaustion: keep-alive client during the overload: '$ka'"
	fi
fi

scenario "maxconn 40" "maxconn 10"
if run fe10; then
	if [ "$maxcur" -le 10 ] && [ "$maxcur" -gt 0 ] && [ "$(reqs)" -gt 0 ] 2>/dev/null &&
	   ! echo "$wrk_out" | grep -q Non-2xx; then
		pass "fd_exhaustion: frontend maxconn 10 under global 40: all 2xx, CurrConns peaked at $maxcur"
	else
		fail "fd_exhaustion: frontend maxconn 10: CurrConns reached $maxcur, wrk '$wrk_out'"
	fi
fi

scenario "maxconn 4000"
if run m4000; then
	if [ "$after" = 200 ] && [ "${nofd:-0}" -gt 0 ]; then
		pass "fd_exhaustion: maxconn 4000 over 64 fds: EMFILE paused the listener $nofd times, then 200 after the load"
	else
		fail "fd_exhaustion: maxconn 4000: request after the load: '$after' (listener EMFILE pauses: '${nofd:-?}')"
	fi
fi
exit $((nfail > 0))
