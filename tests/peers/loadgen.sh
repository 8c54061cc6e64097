#!/usr/bin/env bash
# timeout: 150
#
# tests/peers/loadgen.sh - loadgen against peer-server (h1, h2) and nginx
# (h1, h2c): closed and open loop, weights, phases, bounds, the error
# kinds, and that it never hangs on a bad server.
. "$(dirname "$0")/common.bash"
need_peers

# lg NAME ARGS...: run loadgen with --json into $tmp/NAME.json (stderr in
# NAME.err), exit status in $lg_rc. A 60 s guard: loadgen bounds itself,
# the guard only catches a bug.
lg() {
	local name=$1
	shift
	timeout 60 "$LG" --json --quiet "$@" >"$tmp/$name.json" 2>"$tmp/$name.err"
	lg_rc=$?
}
j() { json_num "$tmp/$1.json" "$2"; }

# all_ok NAME MIN: exit status 0, no error, at least MIN requests OK
all_ok() {
	local ok err
	ok=$(j "$1" requests_ok)
	err=$(j "$1" errors)
	[ "$lg_rc" = 0 ] && [ "${err:-1}" = 0 ] && [ "${ok:-0}" -ge "$2" ]
}
summary() {
	echo "ok=$(j "$1" requests_ok) errors=$(j "$1" errors) rc=$lg_rc" \
		"rps=$(j "$1" rps) reconnects=$(j "$1" reconnects)" \
		"$(head -c 300 "$tmp/$1.err")"
}

start_server A --proto h1 --keepalive-timeout 150 ||
	{ fail "loadgen: peer-server A did not start"; finish; }
start_server B --proto h1 --keepalive-timeout 150 --threads 2 ||
	{ fail "loadgen: peer-server B did not start"; finish; }
start_server H2 --proto h2 --keepalive-timeout 150 ||
	fail "loadgen: h2 peer-server did not start"

# --- closed loop, body check, human output
timeout 30 "$LG" --proto h1 --target "127.0.0.1:$A" --connections 4 \
	--duration 1 --check-body >"$tmp/human.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^requests: .* ok, 0 errors' "$tmp/human.out" &&
   grep -q '^latency: *p50 .* ms, p99 .* ms, max .* ms' "$tmp/human.out"; then
	pass "loadgen/h1-closed-loop: $(grep '^throughput' "$tmp/human.out")"
else
	fail "loadgen/h1-closed-loop: rc=$rc $(cat "$tmp/human.out")"
fi

# --- weights: 8 connections over @3/@1 -> 6 and 2
lg w --proto h1 --target "127.0.0.1:$A@3,127.0.0.1:$B@1" --connections 8 \
	--duration 1
conns=$(grep -o '"connections":[0-9]*' "$tmp/w.json" | tail -n 2 |
	cut -d: -f2 | tr '\n' ' ')
if all_ok w 100 && [ "$conns" = "6 2 " ]; then
	pass "loadgen/weights: @3/@1 over 8 connections gives 6 and 2"
else
	fail "loadgen/weights: connections '$conns', $(summary w)"
fi

# --- phases: targets take turns; the idle one's connections are closed by
# the server's 150 ms keep-alive timeout and reopened at its next phase
lg ph --proto h1 --target "127.0.0.1:$A,127.0.0.1:$B" --connections 4 \
	--phases 300 --duration 1.5
okA=$(grep -o '"ok":[0-9]*' "$tmp/ph.json" | sed -n 1p | cut -d: -f2)
okB=$(grep -o '"ok":[0-9]*' "$tmp/ph.json" | sed -n 2p | cut -d: -f2)
if all_ok ph 100 && [ "${okA:-0}" -gt 0 ] && [ "${okB:-0}" -gt 0 ] &&
   [ "$(j ph server_closes)" -ge 2 ] && [ "$(j ph reconnects)" -ge 2 ]; then
	pass "loadgen/phases: both targets served ($okA/$okB), idle ones" \
		"closed by the server and reopened ($(j ph reconnects))"
else
	fail "loadgen/phases: okA=$okA okB=$okB $(summary ph)" \
		"server_closes=$(j ph server_closes)"
fi

# --- --requests bounds the run exactly
lg rq --proto h1 --target "127.0.0.1:$A" --connections 3 --requests 500 \
	--duration 0
if all_ok rq 500 && [ "$(j rq requests_ok)" = 500 ] &&
   [ "$(j rq unfinished)" = 0 ]; then
	pass "loadgen/requests-bound: exactly 500 requests"
else
	fail "loadgen/requests-bound: $(summary rq)"
fi

# --- open loop: --rate 300 for 2 s is about 600 requests
lg rate --proto h1 --target "127.0.0.1:$A" --rate 300 --duration 2 --seed 7
n=$(j rate requests_ok)
if all_ok rate 1 && [ "$n" -ge 450 ] && [ "$n" -le 750 ]; then
	pass "loadgen/open-loop: --rate 300 for 2 s gave $n requests"
else
	fail "loadgen/open-loop: $(summary rate)"
fi

# --- the server closes after every response (--max-requests 1):
# reconnects, no errors
start_server C --proto h1 --max-requests 1 ||
	fail "loadgen: peer-server C did not start"
lg mr --proto h1 --target "127.0.0.1:$C" --connections 2 --requests 300 \
	--duration 20
if all_ok mr 300 && [ "$(j mr reconnects)" -ge 290 ]; then
	pass "loadgen/server-closes: 300 requests over $(j mr connects) connections"
else
	fail "loadgen/server-closes: $(summary mr)"
fi

# --- keep-alive races: the server closes idle connections after 30 ms and
# requests come every ~30 ms on one connection: a request sent as the
# server closes is retried on a new connection, never an error
start_server R --proto h1 --keepalive-timeout 30 ||
	fail "loadgen: peer-server R did not start"
lg race --proto h1 --target "127.0.0.1:$R" --connections 1 --rate 33 \
	--duration 3
if all_ok race 60; then
	pass "loadgen/keepalive-race: $(j race requests_ok) ok, $(j race retries)" \
		"retried, $(j race server_closes) server closes"
else
	fail "loadgen/keepalive-race: $(summary race)"
fi

# --- error kinds, each bounded
lg st --proto h1 --target "127.0.0.1:$A" --path /status/503 --requests 50 \
	--duration 10
if [ "$lg_rc" = 1 ] && [ "$(j st status)" = 50 ] &&
   [ "$(j st requests_ok)" = 0 ]; then
	pass "loadgen/status-errors: 50 x 503 counted as status errors, exit 1"
else
	fail "loadgen/status-errors: status=$(j st status) $(summary st)"
fi

t0=$(now_ms)
lg to --proto h1 --target "127.0.0.1:$A" --path /delay/3000 --connections 2 \
	--timeout 300 --duration 1.5
t1=$(now_ms)
if [ "$lg_rc" = 1 ] && [ "$(j to timeout)" -ge 2 ] &&
   [ $((t1 - t0)) -lt 5000 ]; then
	pass "loadgen/timeouts: $(j to timeout) timeouts, stopped in $((t1 - t0)) ms"
else
	fail "loadgen/timeouts: timeout=$(j to timeout) $(summary to)"
fi

dead=$(free_port)
t0=$(now_ms)
lg cr --proto h1 --target "127.0.0.1:$dead" --requests 5 --duration 10
t1=$(now_ms)
if [ "$lg_rc" = 1 ] && [ "$(j cr connect)" = 5 ] && [ $((t1 - t0)) -lt 5000 ]; then
	pass "loadgen/connect-refused: 5 connect errors in $((t1 - t0)) ms"
else
	fail "loadgen/connect-refused: connect=$(j cr connect) $(summary cr)"
fi

# a server that answers garbage: the request fails as a protocol error
if have python3; then
	gp=$(free_port)
	python3 - "$gp" <<-'EOF' &
	import socket, sys
	s = socket.socket()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("127.0.0.1", int(sys.argv[1])))
	s.listen(16)
	s.settimeout(10)
	try:
	    while True:
	        c, _ = s.accept()
	        c.recv(4096)
	        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nBad Header\r\n\r\n0123456789")
	        c.close()
	except Exception:
	    pass
	EOF
	gpid=$!
	started_pids+=("$gpid")
	wait_port "$gp"
	lg gb --proto h1 --target "127.0.0.1:$gp" --requests 3 --duration 10
	if [ "$lg_rc" = 1 ] && [ "$(j gb proto)" = 3 ]; then
		pass "loadgen/malformed: 3 malformed answers counted as proto errors"
	else
		fail "loadgen/malformed: proto=$(j gb proto) $(summary gb)"
	fi
	stop_pid "$gpid"
else
	skip "loadgen/malformed: python3 is not installed"
fi

# usage errors
"$LG" --proto h1 --target 127.0.0.1:1 --concurrency 4 2>/dev/null; r1=$?
"$LG" --proto h1 --target nowhere 2>/dev/null; r2=$?
"$LG" --proto h1 --target 127.0.0.1:1 --duration 0 2>/dev/null; r3=$?
if [ $r1 = 2 ] && [ $r2 = 2 ] && [ $r3 = 2 ]; then
	pass "loadgen/usage-errors: exit 2"
else
	fail "loadgen/usage-errors: rc $r1 $r2 $r3"
fi

# --- h2 against peer-server: streams per connection, body check
if [ -n "${H2:-}" ]; then
	lg h2 --proto h2 --target "127.0.0.1:$H2" --connections 2 \
		--concurrency 10 --duration 1.5 --check-body --path /size/5000
	if all_ok h2 100; then
		pass "loadgen/h2-peer: $(j h2 requests_ok) ok over 2 x 10 streams"
	else
		fail "loadgen/h2-peer: $(summary h2)"
	fi
	lg h2r --proto h2 --target "127.0.0.1:$H2" --connections 2 \
		--concurrency 4 --requests 1000 --duration 0
	if all_ok h2r 1000 && [ "$(j h2r requests_ok)" = 1000 ]; then
		pass "loadgen/h2-requests-bound: exactly 1000"
	else
		fail "loadgen/h2-requests-bound: $(summary h2r)"
	fi
	start_server H2M --proto h2 --max-requests 50 ||
		fail "loadgen: h2 peer-server H2M did not start"
	lg h2m --proto h2 --target "127.0.0.1:$H2M" --connections 2 \
		--concurrency 8 --requests 2000 --duration 20
	if all_ok h2m 2000 && [ "$(j h2m reconnects)" -ge 30 ]; then
		pass "loadgen/h2-goaway: GOAWAY every 50 streams, $(j h2m retries)" \
			"retried, no errors"
	else
		fail "loadgen/h2-goaway: $(summary h2m)"
	fi
fi

# --- against nginx (a real server, so not only our own peer is tested)
# start_nginx: write the config for ports $np1/$np2 and start nginx;
# 0 once both ports answer
start_nginx() {
	cat >"$tmp/nginx/nginx.conf" <<-EOF
	daemon off;
	worker_processes 1;
	pid $tmp/nginx/nginx.pid;
	error_log $tmp/nginx/error.log;
	events { worker_connections 512; }
	http {
		access_log off;
		client_body_temp_path $tmp/nginx/body;
		proxy_temp_path $tmp/nginx/proxy;
		fastcgi_temp_path $tmp/nginx/fastcgi;
		uwsgi_temp_path $tmp/nginx/uwsgi;
		scgi_temp_path $tmp/nginx/scgi;
		keepalive_requests 300;
		server {
			listen 127.0.0.1:$np1;
			location / { return 200 "hello from nginx\n"; }
			location /file { alias $tmp/www/file; }
		}
		server {
			listen 127.0.0.1:$np2 http2;
			location / { return 200 "hello from nginx h2c\n"; }
		}
	}
	EOF
	nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" \
		-e "$tmp/nginx/error.log" >"$tmp/nginx/out" 2>&1 &
	npid=$!
	started_pids+=("$npid")
	wait_port "$np1" && wait_port "$np2"
}

if have nginx; then
	mkdir -p "$tmp/nginx/logs" "$tmp/www"
	head -c 10000 /dev/zero | tr '\0' 'n' >"$tmp/www/file"
	# nginx workers run as nobody: they must be able to read the file
	chmod 755 "$tmp" "$tmp/www"
	chmod 644 "$tmp/www/file"
	started=0
	for try in 1 2 3; do
		np1=$(free_port)
		np2=$(free_port)
		[ "$np1" = "$np2" ] && continue
		if start_nginx; then
			started=1
			break
		fi
		stop_pid "$npid"	# a port was taken meanwhile: new ports
	done
	if [ $started = 1 ]; then
		lg n1 --proto h1 --target "127.0.0.1:$np1" --connections 4 \
			--duration 1.5
		if all_ok n1 100; then
			pass "loadgen/nginx-h1: $(j n1 requests_ok) ok," \
				"$(j n1 reconnects) reconnects (keepalive_requests 300)"
		else
			fail "loadgen/nginx-h1: $(summary n1)"
		fi
		lg n1f --proto h1 --target "127.0.0.1:$np1" --path /file \
			--connections 2 --requests 200 --duration 20
		if all_ok n1f 200 && [ "$(j n1f body_bytes)" = 2000000 ]; then
			pass "loadgen/nginx-h1-file: 200 x 10000-byte bodies read"
		else
			fail "loadgen/nginx-h1-file: body_bytes=$(j n1f body_bytes) $(summary n1f)"
		fi
		lg n2 --proto h2 --target "127.0.0.1:$np2" --connections 2 \
			--concurrency 8 --duration 1.5
		if all_ok n2 100; then
			pass "loadgen/nginx-h2c: $(j n2 requests_ok) ok over 2 x 8 streams"
		else
			fail "loadgen/nginx-h2c: $(summary n2)"
		fi
	else
		fail "loadgen/nginx: nginx did not start: $(cat "$tmp/nginx/error.log" "$tmp/nginx/out")"
	fi
	stop_pid "$npid"
else
	skip "loadgen/nginx: nginx is not installed"
fi

finish
