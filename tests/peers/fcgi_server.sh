#!/usr/bin/env bash
# timeout: 60
#
# tests/peers/fcgi_server.sh - peer-server --proto fcgi with fcgi-client
# (tests/peers/fcgi_client.c, built on the engine's FastCGI codec):
# FCGI_GET_VALUES, keep-conn reuse, FCGI_KEEP_CONN unset, --mpxs 0 refusing
# a second request (FCGI_CANT_MPX_CONN), --mpxs 1 multiplexing up to
# --max-reqs (then FCGI_OVERLOADED), bodies, --max-requests and the idle
# close after --keepalive-timeout.
. "$(dirname "$0")/common.bash"
need_peers

fc() {	# fc NAME ARGS...: run fcgi-client, output in $tmp/NAME.out
	local name=$1
	shift
	timeout 30 "$FC" "$@" >"$tmp/$name.out" 2>&1
	fc_rc=$?
}
has() { grep -q "$2" "$tmp/$1.out"; }

start_server S --proto fcgi --keepalive-timeout 400 ||
	{ fail "fcgi: peer-server did not start"; finish; }
start_server X --proto fcgi --mpxs 1 --max-reqs 8 --delay 500 ||
	{ fail "fcgi: peer-server --mpxs 1 did not start"; finish; }

fc v0 --target "127.0.0.1:$S" --get-values
fc v1 --target "127.0.0.1:$X" --get-values
if has v0 'FCGI_MAX_REQS=1 FCGI_MPXS_CONNS=0' &&
   has v1 'FCGI_MAX_REQS=8 FCGI_MPXS_CONNS=1'; then
	pass "fcgi/get-values: MPXS_CONNS and MAX_REQS as configured"
else
	fail "fcgi/get-values: $(cat "$tmp/v0.out" "$tmp/v1.out" | tr '\n' ' ')"
fi

# keep-conn: ten requests, one connection, all the same server conn
fc ka --target "127.0.0.1:$S" --requests 10 --verbose --check-body
conns=$(sed -n 's/.*conn \([0-9]*\)$/\1/p' "$tmp/ka.out" | sort -u | wc -l)
if [ "$fc_rc" = 0 ] && has ka '10 ok, 0 errors, 0 refused, 1 connections' &&
   [ "$conns" = 1 ]; then
	pass "fcgi/keep-conn: 10 requests over one connection"
else
	fail "fcgi/keep-conn: $(tail -n 1 "$tmp/ka.out")"
fi

# bodies both ways, several records each
fc body --target "127.0.0.1:$S" --requests 3 --path /size/300000 \
	--body 200000 --expect-size 300000 --check-body
if [ "$fc_rc" = 0 ] && has body '3 ok, 0 errors'; then
	pass "fcgi/bodies: 200 KB STDIN, 300 KB STDOUT"
else
	fail "fcgi/bodies: $(cat "$tmp/body.out" | tr '\n' ' ')"
fi

fc st --target "127.0.0.1:$S" --path /status/404 --expect-status 404 \
	--requests 1
if [ "$fc_rc" = 0 ]; then
	pass "fcgi/status-path: Status: 404 on STDOUT"
else
	fail "fcgi/status-path: $(cat "$tmp/st.out" | tr '\n' ' ')"
fi

# without FCGI_KEEP_CONN the application closes after each answer
fc nk --target "127.0.0.1:$S" --requests 3 --no-keep-conn
if [ "$fc_rc" = 0 ] && [ "$(grep -c 'closed by server' "$tmp/nk.out")" = 3 ] &&
   has nk '3 connections'; then
	pass "fcgi/no-keep-conn: closed after each of 3 answers"
else
	fail "fcgi/no-keep-conn: $(cat "$tmp/nk.out" | tr '\n' ' ')"
fi

# --mpxs 0: a second request at once is refused
fc m0 --target "127.0.0.1:$S" --requests 2 --parallel 2
if [ "$fc_rc" = 0 ] && has m0 'refused 2: cant-mpx-conn' &&
   has m0 '1 ok, 0 errors, 1 refused'; then
	pass "fcgi/mpxs-0: second request refused with FCGI_CANT_MPX_CONN"
else
	fail "fcgi/mpxs-0: $(cat "$tmp/m0.out" | tr '\n' ' ')"
fi

# --mpxs 1: eight 500 ms requests at once take ~500 ms, not 4 s; a ninth
# and tenth are over FCGI_MAX_REQS
t0=$(now_ms)
fc m1 --target "127.0.0.1:$X" --requests 8 --parallel 8 --check-body \
	--path /size/100000 --expect-size 100000
t1=$(now_ms)
fc m1o --target "127.0.0.1:$X" --requests 10 --parallel 10
if [ "$fc_rc" = 0 ] && has m1 '8 ok, 0 errors' && [ $((t1 - t0)) -lt 2500 ] &&
   has m1o '8 ok, 0 errors, 2 refused' && has m1o 'overloaded'; then
	pass "fcgi/mpxs-1: 8 at once in $((t1 - t0)) ms, 9th/10th overloaded"
else
	fail "fcgi/mpxs-1: $((t1 - t0)) ms; $(cat "$tmp/m1.out" "$tmp/m1o.out" | tr '\n' ' ')"
fi

# idle close after --keepalive-timeout (400 ms)
fc idle --target "127.0.0.1:$S" --requests 1 --idle-wait 3000
ms=$(sed -n 's/^idle close after \([0-9]*\) ms/\1/p' "$tmp/idle.out")
if [ -n "$ms" ] && [ "$ms" -ge 300 ] && [ "$ms" -lt 2500 ]; then
	pass "fcgi/idle-close: closed $ms ms after the answer"
else
	fail "fcgi/idle-close: $(cat "$tmp/idle.out" | tr '\n' ' ')"
fi

# --max-requests 3: the connection closes after the third answer
start_server M --proto fcgi --max-requests 3 ||
	fail "fcgi/max-requests: no server"
fc mr --target "127.0.0.1:$M" --requests 5
if has mr '5 ok, 0 errors, 0 refused, 2 connections'; then
	pass "fcgi/max-requests: 5 requests needed 2 connections"
else
	fail "fcgi/max-requests: $(cat "$tmp/mr.out" | tr '\n' ' ')"
fi

# the test client itself against a real application (php-fpm), so that
# the checks above are not our client agreeing with our server
fpm=$(command -v php-fpm8.2 php-fpm8.1 php-fpm8.3 php-fpm 2>/dev/null | head -n 1)
if [ -n "$fpm" ] && [ "$(id -u)" = 0 ]; then
	fp=$(free_port)
	mkdir -p "$tmp/fpm"
	chmod 755 "$tmp" "$tmp/fpm"
	echo '<?php echo str_repeat("p", 100);' >"$tmp/fpm/t.php"
	chmod 644 "$tmp/fpm/t.php"
	cat >"$tmp/fpm.conf" <<-EOF
	[global]
	pid = $tmp/fpm.pid
	error_log = $tmp/fpm.log
	daemonize = no
	[www]
	listen = 127.0.0.1:$fp
	pm = static
	pm.max_children = 1
	user = nobody
	group = nogroup
	EOF
	"$fpm" -y "$tmp/fpm.conf" -R -F >/dev/null 2>&1 &
	fpid=$!
	started_pids+=("$fpid")
	if wait_port "$fp"; then
		fc fpm --target "127.0.0.1:$fp" --get-values --requests 3 \
			--docroot "$tmp/fpm" --path /t.php --expect-size 100
		fc fpmk --target "127.0.0.1:$fp" --requests 2 --no-keep-conn \
			--docroot "$tmp/fpm" --path /t.php --expect-size 100
		if has fpm 'FCGI_MPXS_CONNS=0' && has fpm '3 ok, 0 errors' &&
		   has fpmk '2 ok, 0 errors'; then
			pass "fcgi/php-fpm-interop: fcgi-client works against $(basename "$fpm")"
		else
			fail "fcgi/php-fpm-interop: $(cat "$tmp/fpm.out" "$tmp/fpmk.out" | tr '\n' ' ')"
		fi
	else
		skip "fcgi/php-fpm-interop: php-fpm did not start"
	fi
	stop_pid "$fpid"
else
	skip "fcgi/php-fpm-interop: no php-fpm (or not root)"
fi

stop_server S
if [ "$stopped_rc" = 0 ] &&
   grep -qE 'fcgi 127\.0\.0\.1:[0-9]+: [0-9]+ requests, .* [1-9][0-9]* idle closes' \
	"$tmp/S.log"; then
	pass "fcgi/sigterm-summary: $(tail -n 1 "$tmp/S.log" | cut -d: -f4-)"
else
	fail "fcgi/sigterm-summary: rc=$stopped_rc, $(tail -n 1 "$tmp/S.log")"
fi

finish
