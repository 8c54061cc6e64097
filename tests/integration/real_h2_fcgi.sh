#!/usr/bin/env bash
# timeout: 180
# real_h2_fcgi.sh - mux_h2 and mux_fcgi between real clients and servers,
# all on 127.0.0.1, on free ports, every process started here and stopped
# at the end.
#
# One muxlab (2 threads, run until SIGINT):
#   (a) h2c fronts (`bind ... proto h2`) to the embedded peer-servers (h1,
#       h2 and fcgi --mpxs 1): `curl --http2-prior-knowledge` gets 200 and
#       the same body as straight from the peer; `h2load -n 2000 -c 10
#       -m 10` reports 0 failed and 0 errored, through each backend mux;
#   (b) nginx as an h2c backend (`server ... proto h2` to nginx's
#       `listen 127.0.0.1:PORT http2;`, temp config and prefix): curl (h2c
#       and HTTP/1.1 fronts) gets nginx's page and its 404; h2load through
#       it, 0 failed; and with nginx sending GOAWAY every 50 requests
#       (keepalive_requests 50) and http-reuse always, h2load -n 5000 -c 10
#       -m 10 still 0 failed: the refused streams are retried;
#   (c) php-fpm as a FastCGI backend (`server ... proto fcgi`,
#       `use-fcgi-app`, an fcgi-app with a temp docroot; php-fpm with a
#       temp config, `pm = static`, 32 children, `ping.path = /ping`):
#       curl gets the script's output (GET with a query, POST with a body,
#       the index of /), the ping page, a 404 for a missing script, and
#       h2load through it, 0 failed;
# then muxlab stops on SIGINT with exit status 0 (its leak check).
#
# A missing client or server is a FAIL naming its Debian package (make
# deps), never a silent skip.
. "$(dirname "$0")/common.bash"
need_muxlab real_h2_fcgi
have curl || { fail "real_h2_fcgi: curl: curl not installed (run make deps)"; exit 1; }

h2load_ok=1
have h2load || { fail "h2load: nghttp2-client not installed (run make deps)"; h2load_ok=0; }
ngx=$(command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
[ -n "$ngx" ] || fail "nginx: nginx-light not installed (run make deps)"
fpm=$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1)
[ -n "$fpm" ] || fpm=$(command -v php-fpm8.2 php-fpm 2>/dev/null | head -n 1)
[ -n "$fpm" ] || fail "php-fpm: php-fpm not installed (run make deps)"

# ports: chained so that no two are the same before anyone listens
p=18701
next_port() { p=$(free_port "$p"); eval "$1=$p"; p=$((p + 1)); }
for v in fe_h1p fe_h2p fe_fcgip fe_ngx fe_ngx1 fe_ngxc fe_php fe_php1; do next_port $v; done
p=19701
for v in peer_h1 peer_h2 peer_fcgi ngx_port ngx_churn fpm_port; do next_port $v; done

# workers of nginx and php-fpm run as nobody: they must read the docroots
chmod 755 "$tmp"

# ------------------------------------------------------------------ nginx
nginx_pid=""
if [ -n "$ngx" ]; then
	nd=$tmp/nginx
	mkdir -p "$nd/html" "$nd/tmp"
	chmod 755 "$nd" "$nd/html"
	echo "muxlab-nginx-h2c-$$" >"$nd/html/index.html"
	chmod 644 "$nd/html/index.html"
	# keepalive_requests high on the first server: no GOAWAY there (the
	# second one sends one every 50 requests: the retries' test)
	{
		nginx_conf_head "$nd" 512
		cat <<NGX
	keepalive_requests 100000;
	http2_max_concurrent_streams 128;
	server {
		listen 127.0.0.1:$ngx_port http2;
		root $nd/html;
	}
	# GOAWAY every 50 requests: the streams above its last stream id
	# were never processed and are sent again (retries)
	server {
		listen 127.0.0.1:$ngx_churn http2;
		keepalive_requests 50;
		root $nd/html;
	}
}
NGX
	} >"$nd/nginx.conf"
	start_nginx "$ngx" "$nd" "$ngx_port" &&
		pass "nginx started (h2c on 127.0.0.1:$ngx_port)"
fi

# ---------------------------------------------------------------- php-fpm
fpm_pid=""
if [ -n "$fpm" ]; then
	docroot=$tmp/php
	mkdir -p "$docroot"
	chmod 755 "$docroot"
	cat >"$docroot/t.php" <<'PHP'
<?php
header("X-Muxlab-Php: 1");
$body = file_get_contents("php://input");
echo "muxlab-php method=", $_SERVER["REQUEST_METHOD"],
	" x=", isset($_GET["x"]) ? $_GET["x"] : "-",
	" body=", strlen($body),
	" script=", $_SERVER["SCRIPT_NAME"], "\n";
PHP
	echo '<?php echo "muxlab-php-index\n";' >"$docroot/index.php"
	chmod 644 "$docroot"/*.php
	fd=$tmp/fpm
	mkdir -p "$fd"
	if [ "$(id -u)" = 0 ]; then
		fpm_user="user = nobody
group = nogroup"
	else
		fpm_user=""
	fi
	cat >"$fd/php-fpm.conf" <<FPM
[global]
pid = $fd/php-fpm.pid
error_log = $fd/error.log
daemonize = no
[lab]
listen = 127.0.0.1:$fpm_port
$fpm_user
pm = static
pm.max_children = 32
ping.path = /ping
ping.response = pong
catch_workers_output = yes
FPM
	"$fpm" -F -R -n -y "$fd/php-fpm.conf" -p "$fd" >"$fd/out.log" 2>&1 &
	fpm_pid=$!
	on_exit 'stop_pid $fpm_pid TERM'
	if wait_port "$fpm_port" 10; then
		pass "$(basename "$fpm") started (FastCGI on 127.0.0.1:$fpm_port)"
	else
		fail "php-fpm did not start: $(tail -3 "$fd/error.log" "$fd/out.log" 2>/dev/null | tr '\n' ' ')"
		fpm_pid=""
	fi
fi

# ----------------------------------------------------------------- muxlab
cfg=$tmp/real-h2-fcgi.cfg
cat >"$cfg" <<CFG
#@lab peer ph1 --proto h1 --listen 127.0.0.1:$peer_h1 --size 1000 --keepalive-timeout 2000
#@lab peer ph2 --proto h2 --listen 127.0.0.1:$peer_h2 --size 1000 --keepalive-timeout 2000
#@lab peer pfc --proto fcgi --listen 127.0.0.1:$peer_fcgi --size 1000 --keepalive-timeout 2000 --mpxs 1
global
	nbthread 2
defaults
	mode http
	timeout connect 2s
	timeout client 20s
	timeout server 10s
frontend fe_h2c_to_h1
	bind 127.0.0.1:$fe_h1p proto h2
	default_backend be_peer_h1
frontend fe_h2c_to_h2
	bind 127.0.0.1:$fe_h2p proto h2
	default_backend be_peer_h2
frontend fe_h2c_to_fcgi
	bind 127.0.0.1:$fe_fcgip proto h2
	default_backend be_peer_fcgi
frontend fe_h2c_to_nginx
	bind 127.0.0.1:$fe_ngx proto h2
	default_backend be_nginx
frontend fe_h1_to_nginx
	bind 127.0.0.1:$fe_ngx1
	default_backend be_nginx
frontend fe_h2c_to_nginx_churn
	bind 127.0.0.1:$fe_ngxc proto h2
	default_backend be_nginx_churn
frontend fe_h2c_to_php
	bind 127.0.0.1:$fe_php proto h2
	default_backend be_php
frontend fe_h1_to_php
	bind 127.0.0.1:$fe_php1
	default_backend be_php
backend be_peer_h1
	server ph1 127.0.0.1:$peer_h1
backend be_peer_h2
	server ph2 127.0.0.1:$peer_h2 proto h2
backend be_peer_fcgi
	use-fcgi-app peerapp
	server pfc 127.0.0.1:$peer_fcgi proto fcgi
backend be_nginx
	server ngx 127.0.0.1:$ngx_port proto h2
backend be_nginx_churn
	http-reuse always
	server ngxc 127.0.0.1:$ngx_churn proto h2
backend be_php
	use-fcgi-app php
	server fpm 127.0.0.1:$fpm_port proto fcgi pool-max-conn 8
fcgi-app peerapp
	docroot /srv
fcgi-app php
	docroot ${docroot:-/var/www}
	index index.php
CFG
log=$tmp/muxlab.log
"$muxlab" -f "$cfg" >"$log" 2>&1 &
mpid=$!
on_exit 'kill -KILL $mpid 2>/dev/null'
if ! wait_port "$fe_h1p" 10; then
	fail "muxlab did not start: $(tail -5 "$log" | tr '\n' ' ')"
	exit 1
fi

# h2get NAME URL: curl with prior knowledge; body to $tmp/NAME.body,
# "code version size" on stdout
h2get() {
	curl -s -m 10 --http2-prior-knowledge -o "$tmp/$1.body" \
		-w '%{http_code} %{http_version} %{size_download}' "${@:2}"
}

# h2load_run NAME URL: 2000 requests, 10 connections, 10 streams each;
# passes on "2000 succeeded, 0 failed, 0 errored"
h2load_run() {
	local name=$1 url=$2 out=$tmp/h2load-$1.out line
	[ $h2load_ok = 1 ] || { fail "h2load $name: nghttp2-client not installed (run make deps)"; return; }
	timeout -k 5 60 h2load -n 2000 -c 10 -m 10 "$url" >"$out" 2>&1
	line=$(grep -E '^requests:' "$out")
	if echo "$line" | grep -q ' 2000 succeeded, 0 failed, 0 errored'; then
		pass "h2load -n 2000 -c 10 -m 10 $name: 0 failed, 0 errored ($(awk '/^finished in/ { print $4, $5 }' "$out" | tr -d ,))"
	else
		fail "h2load $name: '${line:-no result}' $(grep -E '^status codes' "$out")"
		tail -5 "$out" | sed 's/^/    /'
	fi
}

# ------------------------------------------------- (a) peer-server backends
curl -s -m 10 -o "$tmp/direct-h1.body" "http://127.0.0.1:$peer_h1/"
out=$(h2get peer-h1 "http://127.0.0.1:$fe_h1p/")
if [ "$out" = "200 2 1000" ] && cmp -s "$tmp/peer-h1.body" "$tmp/direct-h1.body"; then
	pass "curl --http2-prior-knowledge, h2c front -> h1 peer: $out, body as from the peer"
else
	fail "h2c front -> h1 peer: '$out' (want '200 2 1000' and the peer's body)"
fi
curl -s -m 10 --http2-prior-knowledge -o "$tmp/direct-h2.body" "http://127.0.0.1:$peer_h2/"
out=$(h2get peer-h2 "http://127.0.0.1:$fe_h2p/")
if [ "$out" = "200 2 1000" ] && cmp -s "$tmp/peer-h2.body" "$tmp/direct-h2.body" &&
   head -c 4 "$tmp/peer-h2.body" | grep -q '^0123'; then
	pass "curl --http2-prior-knowledge, h2c front -> h2 peer: $out, body as from the peer"
else
	fail "h2c front -> h2 peer: '$out' (want '200 2 1000' and the peer's body)"
fi
out=$(h2get peer-fcgi "http://127.0.0.1:$fe_fcgip/")
if [ "$out" = "200 2 1000" ] && cmp -s "$tmp/peer-fcgi.body" "$tmp/direct-h2.body"; then
	pass "curl --http2-prior-knowledge, h2c front -> fcgi peer: $out, body as from the peer"
else
	fail "h2c front -> fcgi peer: '$out' (want '200 2 1000' and the peer's body)"
fi
# the server's status and a bigger body (several DATA frames, flow control)
out=$(curl -s -m 10 --http2-prior-knowledge -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$fe_h2p/status/404")
[ "$out" = 404 ] && pass "h2c front -> h2 peer: status 404 passed through" ||
	fail "h2c front, /status/404: '$out'"
out=$(curl -s -m 10 --http2-prior-knowledge -o /dev/null -w '%{http_code} %{size_download}' \
	"http://127.0.0.1:$fe_h2p/size/200000")
[ "$out" = "200 200000" ] && pass "h2c front -> h2 peer: 200000-byte body" ||
	fail "h2c front, /size/200000: '$out' (want '200 200000')"
head -c 5000 /dev/zero | tr '\0' y >"$tmp/post"
out=$(curl -s -m 10 --http2-prior-knowledge -o /dev/null -w '%{http_code}' \
	--data-binary @"$tmp/post" "http://127.0.0.1:$fe_h2p/post")
[ "$out" = 200 ] && pass "h2c front -> h2 peer: POST 5000 bytes: 200" || fail "h2c POST: '$out'"

h2load_run "h2c -> h1 peer" "http://127.0.0.1:$fe_h1p/"
h2load_run "h2c -> h2 peer" "http://127.0.0.1:$fe_h2p/"
h2load_run "h2c -> fcgi peer (mpxs)" "http://127.0.0.1:$fe_fcgip/"

# ------------------------------------------------------- (b) nginx, h2c
if [ -n "$nginx_pid" ]; then
	out=$(h2get ngx "http://127.0.0.1:$fe_ngx/")
	if [ "${out%% *}" = 200 ] && [ "$(cat "$tmp/ngx.body")" = "muxlab-nginx-h2c-$$" ]; then
		pass "h2c front -> nginx h2c backend: $out, nginx's page"
	else
		fail "h2c front -> nginx: '$out' body '$(head -c 80 "$tmp/ngx.body" 2>/dev/null)'"
	fi
	out=$(curl -s -m 10 "http://127.0.0.1:$fe_ngx1/")
	[ "$out" = "muxlab-nginx-h2c-$$" ] && pass "H1 front -> nginx h2c backend: nginx's page" ||
		fail "H1 front -> nginx: '$out'"
	out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fe_ngx1/missing")
	[ "$out" = 404 ] && pass "nginx 404 through the h2 backend" || fail "nginx 404: '$out'"
	h2load_run "h2c -> nginx h2c" "http://127.0.0.1:$fe_ngx/"
	# nginx keepalive_requests 50 (GOAWAY every 50 requests), http-reuse
	# always: the refused streams are sent again on new connections,
	# none fails (Debian's HAProxy 2.6 failed about a quarter of them;
	# muxlab before its retries, 1013-1641 of 5000)
	if [ $h2load_ok = 1 ]; then
		out=$tmp/h2load-churn.out
		timeout -k 5 90 h2load -n 5000 -c 10 -m 10 "http://127.0.0.1:$fe_ngxc/" >"$out" 2>&1
		line=$(grep -E '^requests:' "$out")
		# 0 failed: a retry goes on a new connection, whose first
		# stream nginx always processes (retried on reused connections
		# a stream could lose all its retries to successive GOAWAYs:
		# 5 or 6 of 5000 in 2 of 10 runs)
		nf=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed, 0 errored.*/\1/p')
		if [ "$nf" = 0 ] && echo "$line" | grep -q ' 5000 done'; then
			pass "h2load -n 5000 -c 10 -m 10 through http-reuse always to nginx sending GOAWAY every 50 requests: $nf failed"
		else
			fail "nginx GOAWAY churn: '${line:-no result}' $(grep -E '^status codes' "$out")"
		fi
	fi
else
	fail "nginx h2c backend: nginx not running, nothing checked"
fi

# ------------------------------------------------------- (c) php-fpm
if [ -n "$fpm_pid" ]; then
	out=$(curl -s -m 10 -D "$tmp/php.hdr" "http://127.0.0.1:$fe_php1/t.php?x=42")
	if [ "$out" = "muxlab-php method=GET x=42 body=0 script=/t.php" ] &&
	   grep -qi '^x-muxlab-php: 1' "$tmp/php.hdr"; then
		pass "H1 front -> php-fpm: the script's output and header"
	else
		fail "H1 front -> php-fpm: '$out' $(head -1 "$tmp/php.hdr" 2>/dev/null)"
	fi
	out=$(curl -s -m 10 --http2-prior-knowledge --data-binary @"$tmp/post" \
		"http://127.0.0.1:$fe_php/t.php")
	[ "$out" = "muxlab-php method=POST x=- body=5000 script=/t.php" ] &&
		pass "h2c front -> php-fpm: POST 5000 bytes reaches the script" ||
		fail "h2c front -> php-fpm POST: '$out'"
	out=$(curl -s -m 10 "http://127.0.0.1:$fe_php1/")
	[ "$out" = "muxlab-php-index" ] && pass "php-fpm: / runs the fcgi-app's index" ||
		fail "php-fpm index: '$out'"
	out=$(curl -s -m 10 -w ' %{http_code}' "http://127.0.0.1:$fe_php1/ping")
	[ "$out" = "pong 200" ] && pass "php-fpm ping page: pong" ||
		fail "php-fpm ping page: '$out' (want 'pong 200')"
	out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fe_php1/missing.php")
	[ "$out" = 404 ] && pass "php-fpm: missing script 404" || fail "php-fpm missing script: '$out'"
	h2load_run "h2c -> php-fpm" "http://127.0.0.1:$fe_php/t.php?x=1"
else
	fail "php-fpm FastCGI backend: php-fpm not running, nothing checked"
fi

# --------------------------------------------------------------- stop
stop_pid $mpid INT
if [ "$stopped_rc" = 0 ]; then
	pass "muxlab stopped on SIGINT: exit 0, no leak"
else
	fail "muxlab exit $stopped_rc on SIGINT: $(grep -E 'leak|BUG|fail' "$log" | head -3 | tr '\n' ' ')"
	tail -20 "$log" | sed 's/^/    /'
fi
[ $nfail = 0 ] || { keep_tmp=1; echo "kept $tmp"; }
exit $((nfail > 0))
