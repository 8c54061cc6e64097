#!/usr/bin/env bash
# real_peers.sh - muxlab as a proxy between real clients and real servers.
#
# One muxlab (2 threads, run until SIGINT) with four frontends:
#   fe_peer  -> the embedded peer-server (started by "#@lab peer")
#   fe_nginx -> an nginx we start on loopback from a temp nginx.conf
#   fe_dead  -> a port nobody listens on
# and checks: curl gets 200 and the right body size, keep-alive reuse and a
# POST work, `wrk -t1 -c8 -d2s` sees no non-2xx and no socket error, curl
# gets nginx's page, a malformed request gets 400, the dead backend gets
# 503 or 502 quickly (never a hang), and muxlab then stops on SIGINT with
# exit status 0 (its leak check included).
# timeout: 150
. "$(dirname "$0")/common.bash"
need_muxlab real_peers
have curl || { fail "real_peers: curl is not installed (make deps)"; exit 1; }

fe_peer=$(free_port 18601)
fe_nginx=$(free_port $((fe_peer + 1)))
fe_dead=$(free_port $((fe_nginx + 1)))
fe_h2=$(free_port $((fe_dead + 1)))
peer=$(free_port 19601)
nginx_port=$(free_port $((peer + 1)))
# The dead backend: a port bound by a socket that never listens, held for
# the whole test so nobody else can start listening there (connect() gets
# a reset at once). Without python3, any free port, with a small risk.
dead=""
if have python3; then
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True); time.sleep(600)' >"$tmp/dead.port" &
	dead_holder=$!
	on_exit 'kill $dead_holder 2>/dev/null'
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		dead=$(cat "$tmp/dead.port" 2>/dev/null)
		[ -n "$dead" ] && break
		sleep 0.2
	done
fi
[ -n "$dead" ] || dead=$(free_port $((nginx_port + 1)))

# ------------------------------------------------------------------ nginx
nginx_pid=""
if have nginx || [ -x /usr/sbin/nginx ]; then
	ngx=$(command -v nginx || echo /usr/sbin/nginx)
	nd=$tmp/nginx
	mkdir -p "$nd/html" "$nd/tmp"
	chmod 755 "$tmp" "$nd" "$nd/html"
	echo "muxlab-nginx-marker-$$" >"$nd/html/index.html"
	chmod 644 "$nd/html/index.html"
	{
		nginx_conf_head "$nd" 256
		cat <<NGX
	server {
		listen 127.0.0.1:$nginx_port;
		root $nd/html;
		keepalive_timeout 2s;
	}
}
NGX
	} >"$nd/nginx.conf"
	start_nginx "$ngx" "$nd" "$nginx_port"
fi

# ----------------------------------------------------------------- muxlab
cfg=$tmp/real.cfg
cat >"$cfg" <<CFG
#@lab peer p1 --proto h1 --listen 127.0.0.1:$peer --size 1000 --keepalive-timeout 1000
global
	nbthread 2
defaults
	mode http
	timeout connect 1s
	timeout client 10s
	timeout server 5s
frontend fe_peer
	bind 127.0.0.1:$fe_peer
	default_backend be_peer
frontend fe_nginx
	bind 127.0.0.1:$fe_nginx
	default_backend be_nginx
frontend fe_dead
	bind 127.0.0.1:$fe_dead
	default_backend be_dead
backend be_peer
	server p1 127.0.0.1:$peer
backend be_nginx
	server n1 127.0.0.1:$nginx_port
backend be_dead
	server d1 127.0.0.1:$dead
CFG
# an h2 frontend when this muxlab has the h2 mux
h2=0
sed "s/^frontend fe_dead/frontend fe_h2\n\tbind 127.0.0.1:$fe_h2 proto h2\n\tdefault_backend be_peer\nfrontend fe_dead/" \
	"$cfg" >"$tmp/h2.cfg"
if "$muxlab" -c -f "$tmp/h2.cfg" >/dev/null 2>&1; then
	cp "$tmp/h2.cfg" "$cfg"
	h2=1
fi

log=$tmp/muxlab.log
"$muxlab" -f "$cfg" >"$log" 2>&1 &
mpid=$!
on_exit 'kill -KILL $mpid 2>/dev/null'
if ! wait_port "$fe_peer" 10; then
	fail "muxlab did not start: $(tail -5 "$log" | tr '\n' ' ')"
	exit 1
fi

# ------------------------------------------------------------------ curl
out=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code} %{size_download}' \
	"http://127.0.0.1:$fe_peer/")
[ "$out" = "200 1000" ] && pass "curl via muxlab to peer-server: $out" ||
	fail "curl via muxlab to peer-server: '$out' (want '200 1000')"
if head -c 64 "$tmp/body" | grep -q '^0123'; then
	pass "body is peer-server's pattern"
else
	fail "body: $(head -c 80 "$tmp/body" | od -c | head -2)"
fi

# keep-alive: curl reuses one connection for several URLs
out=$(curl -s -m 10 -o /dev/null -o /dev/null -o /dev/null \
	-w '%{http_code}%{num_connects} ' \
	"http://127.0.0.1:$fe_peer/a" "http://127.0.0.1:$fe_peer/b" \
	"http://127.0.0.1:$fe_peer/size/10")
[ "$out" = "2001 2000 2000 " ] && pass "keep-alive: 3 requests, 1 connection" ||
	fail "keep-alive: '$out' (want '2001 2000 2000 ')"

head -c 3000 /dev/zero | tr '\0' x >"$tmp/post"
out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --data-binary @"$tmp/post" \
	"http://127.0.0.1:$fe_peer/post")
[ "$out" = 200 ] && pass "POST 3000 bytes: 200" || fail "POST: '$out'"

out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fe_peer/status/404")
[ "$out" = 404 ] && pass "server status passed through: 404" || fail "status: '$out'"

# ------------------------------------------------------------------- wrk
if have wrk; then
	wrk -t1 -c8 -d2s "http://127.0.0.1:$fe_peer/" >"$tmp/wrk.out" 2>&1
	rps=$(awk '/Requests\/sec/ { print $2 }' "$tmp/wrk.out")
	if grep -qE 'Non-2xx|Socket errors' "$tmp/wrk.out"; then
		fail "wrk: $(grep -E 'Non-2xx|Socket errors' "$tmp/wrk.out" | tr '\n' ' ')"
	elif [ -z "$rps" ] || [ "${rps%.*}" = 0 ]; then
		fail "wrk: no requests: $(tr '\n' ' ' <"$tmp/wrk.out")"
	else
		pass "wrk -t1 -c8 -d2s: $rps req/s, no errors"
	fi
else
	skip "wrk: not installed (make deps)"
fi

# ------------------------------------------------------------------ h2
if [ $h2 = 1 ]; then
	out=$(curl -s -m 10 --http2-prior-knowledge -o /dev/null \
		-w '%{http_code} %{http_version} %{size_download}' \
		"http://127.0.0.1:$fe_h2/")
	[ "$out" = "200 2 1000" ] && pass "curl h2c front: $out" ||
		fail "curl h2c front: '$out' (want '200 2 1000')"
else
	skip "h2c front: this muxlab has no h2 mux"
fi

# ----------------------------------------------------------------- nginx
if [ -n "$nginx_pid" ]; then
	out=$(curl -s -m 10 "http://127.0.0.1:$fe_nginx/")
	[ "$out" = "muxlab-nginx-marker-$$" ] && pass "curl via muxlab to nginx" ||
		fail "curl via muxlab to nginx: '$out'"
	out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fe_nginx/missing")
	[ "$out" = 404 ] && pass "nginx 404 passed through" || fail "nginx 404: '$out'"
else
	skip "nginx: not installed or did not start"
fi

# ------------------------------------------------------------ malformed
resp=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$fe_peer
	printf 'GARBAGE\r\n\r\n' >&3
	head -n 1 <&3" 2>/dev/null | tr -d '\r')
case $resp in
*" 400"*) pass "malformed request: $resp" ;;
*) fail "malformed request: got '$resp', want a 400 status line" ;;
esac

# ---------------------------------------------------------- dead backend
out=$(curl -s -m 10 -o /dev/null -w '%{http_code} %{time_total}' \
	"http://127.0.0.1:$fe_dead/")
code=${out%% *} secs=${out#* }
if { [ "$code" = 503 ] || [ "$code" = 502 ]; } && [ "${secs%%.*}" -lt 3 ]; then
	pass "dead backend: $code in ${secs}s"
else
	fail "dead backend: '$out' (want 503 or 502 within 3 s)"
fi

# the proxy still works after all that
out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fe_peer/")
[ "$out" = 200 ] && pass "still serving after errors" || fail "after errors: '$out'"

# --------------------------------------------------------------- stop
stop_pid $mpid INT
if [ "$stopped_rc" = 0 ]; then
	pass "muxlab stopped on SIGINT: exit 0, no leak"
else
	fail "muxlab exit $stopped_rc on SIGINT: $(grep -E 'leak|BUG|fail' "$log" | head -3 | tr '\n' ' ')"
	tail -20 "$log" | sed 's/^/    /'
fi
exit $((nfail > 0))
