#!/usr/bin/env bash
# timeout: 300
# big_bodies.sh - bodies stream through bounded buffers (tune.bufsize), in
# both directions, through every front/back pair, against real servers:
# nginx (HTTP/1.1 and h2c) and php-fpm (FastCGI), all on 127.0.0.1, every
# process started here and stopped at the end.
#
#   (a) a 64 MB body each way through each of the six pairs (front h1 or
#       h2c; back nginx h1, nginx h2c, php-fpm): downloads of nginx's
#       static file and of a PHP script that writes it (no
#       Content-Length: chunked to an HTTP/1.1 client), uploads whose MD5
#       and length the PHP script answers (nginx passes them to php-fpm),
#       one of them chunked by the client; every MD5 and length right;
#   (b) a 1 GiB download passes and muxlab's peak RSS (VmHWM) grows by
#       less than 48 MB over the whole test;
#   (c) a hostile h2 client: 10 connections x 100 streams of a 3 MB file
#       with a zero stream window (h2load -w 0): muxlab's RSS stays under
#       its start plus 80 MB while they hang (before streaming bodies:
#       +800 MB, each response held whole), and muxlab still answers;
# then muxlab stops on SIGINT with exit status 0 (its leak check).
#
# A missing client or server is a FAIL naming its Debian package (make
# deps), never a silent skip.
. "$(dirname "$0")/common.bash"
need_muxlab big_bodies
have curl || { fail "big_bodies: curl not installed (run make deps)"; exit 1; }
have h2load || fail "h2load: nghttp2-client not installed (run make deps)"
ngx=$(command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
[ -n "$ngx" ] || { fail "nginx: nginx-light not installed (run make deps)"; exit 1; }
fpm=$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1)
[ -n "$fpm" ] || fpm=$(command -v php-fpm8.2 php-fpm 2>/dev/null | head -n 1)
[ -n "$fpm" ] || { fail "php-fpm: php-fpm not installed (run make deps)"; exit 1; }

p=18801
next_port() { p=$(free_port "$p"); eval "$1=$p"; p=$((p + 1)); }
for v in fe1_ngx1 fe1_ngx2 fe1_php fe2_ngx1 fe2_ngx2 fe2_php; do next_port $v; done
p=19801
for v in ngx1_port ngx2_port fpm_port; do next_port $v; done

chmod 755 "$tmp"
www=$tmp/www
mkdir -p "$www"
chmod 755 "$www"
# 64 MB of varied bytes (a repeated 1 MB random block), and a sparse 1 GiB
head -c 1048576 /dev/urandom >"$tmp/block"
for i in $(seq 64); do cat "$tmp/block"; done >"$www/big.bin"
truncate -s 1G "$www/huge.bin"
head -c 3000000 "$www/big.bin" >"$www/3m.bin"
chmod 644 "$www"/*.bin
big_md5=$(md5sum <"$www/big.bin" | cut -d' ' -f1)
big_len=$(stat -c %s "$www/big.bin")

cat >"$www/md5.php" <<'PHP'
<?php
$h = hash_init("md5");
$f = fopen("php://input", "r");
$n = 0;
while (!feof($f)) {
	$d = fread($f, 65536);
	if ($d === false)
		break;
	$n += strlen($d);
	hash_update($h, $d);
}
echo $n, " ", hash_final($h), "\n";
PHP
cat >"$www/big.php" <<'PHP'
<?php
while (ob_get_level())
	ob_end_clean();
header("Content-Type: application/octet-stream");
$f = fopen(__DIR__ . "/big.bin", "r");
while (!feof($f))
	echo fread($f, 65536);
PHP
chmod 644 "$www"/*.php

# ------------------------------------------------------------------ php-fpm
fd=$tmp/fpm
mkdir -p "$fd"
fpm_user=""
[ "$(id -u)" = 0 ] && fpm_user="user = nobody
group = nogroup"
cat >"$fd/php-fpm.conf" <<FPM
[global]
pid = $fd/php-fpm.pid
error_log = $fd/error.log
daemonize = no
[lab]
listen = 127.0.0.1:$fpm_port
$fpm_user
pm = static
pm.max_children = 4
php_admin_value[post_max_size] = 0
php_admin_value[upload_max_filesize] = 0
php_admin_value[enable_post_data_reading] = 0
catch_workers_output = yes
FPM
"$fpm" -F -R -n -y "$fd/php-fpm.conf" -p "$fd" >"$fd/out.log" 2>&1 &
fpm_pid=$!
on_exit 'stop_pid $fpm_pid TERM'
wait_port "$fpm_port" 10 || fail "php-fpm did not start: $(tail -3 "$fd/error.log" "$fd/out.log" 2>/dev/null | tr '\n' ' ')"

# -------------------------------------------------------------------- nginx
nd=$tmp/nginx
mkdir -p "$nd"
chmod 755 "$nd"
{
	nginx_conf_head "$nd" 4096
	cat <<NGX
	client_max_body_size 0;
	keepalive_requests 100000;
	http2_max_concurrent_streams 128;
	server {
		listen 127.0.0.1:$ngx1_port;
		listen 127.0.0.1:$ngx2_port http2;
		root $www;
		location = /md5.php {
			fastcgi_pass 127.0.0.1:$fpm_port;
			fastcgi_param SCRIPT_FILENAME $www/md5.php;
			fastcgi_param REQUEST_METHOD \$request_method;
			fastcgi_param CONTENT_LENGTH \$content_length;
			fastcgi_param CONTENT_TYPE \$content_type;
		}
	}
}
NGX
} >"$nd/nginx.conf"
start_nginx "$ngx" "$nd" "$ngx1_port"

# ------------------------------------------------------------------- muxlab
cfg=$tmp/big-bodies.cfg
{
	cat <<CFG
global
	nbthread 2
	tune.bufsize 16384
defaults
	mode http
	timeout connect 2s
	timeout client 30s
	timeout server 30s
backend be_ngx1
	server n1 127.0.0.1:$ngx1_port
backend be_ngx2
	server n2 127.0.0.1:$ngx2_port proto h2
backend be_php
	use-fcgi-app php
	server fpm 127.0.0.1:$fpm_port proto fcgi
fcgi-app php
	docroot $www
CFG
	for f in 1 2; do
		proto=""
		[ $f = 2 ] && proto=" proto h2"
		for b in ngx1 ngx2 php; do
			port=fe${f}_$b
			printf 'frontend fe%s_%s\n\tbind 127.0.0.1:%s%s\n\tdefault_backend be_%s\n' \
				"$f" "$b" "${!port}" "$proto" "$b"
		done
	done
} >"$cfg"
log=$tmp/muxlab.log
"$muxlab" -f "$cfg" >"$log" 2>&1 &
mpid=$!
on_exit 'kill -KILL $mpid 2>/dev/null'
if ! wait_port "$fe1_ngx1" 10; then
	fail "muxlab did not start: $(tail -5 "$log" | tr '\n' ' ')"
	exit 1
fi
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$mpid/status"; }
rss0=$(kb VmRSS)

# xfer NAME FRONT URL [curl args...]: "code size md5" of the body received
xfer() {
	local name=$1 f=$2 url=$3 opt=()
	shift 3
	[ "$f" = 2 ] && opt=(--http2-prior-knowledge)
	curl -s -m 60 "${opt[@]}" -o "$tmp/$name.out" -w '%{http_code} %{size_download}' "$@" "$url"
	echo " $(md5sum <"$tmp/$name.out" | cut -d' ' -f1)"
	rm -f "$tmp/$name.out"
}

# ------------------------------------------------------ (a) 64 MB each way
for f in 1 2; do
	fn="h1"; [ $f = 2 ] && fn="h2c"
	for b in ngx1 ngx2 php; do
		port=fe${f}_$b
		base="http://127.0.0.1:${!port}"
		case $b in ngx1) bn="nginx h1" ;; ngx2) bn="nginx h2c" ;; php) bn="php-fpm" ;; esac
		# download
		path=/big.bin
		[ $b = php ] && path=/big.php
		out=$(xfer "dl-$f-$b" $f "$base$path")
		if [ "$out" = "200 $big_len $big_md5" ]; then
			pass "64 MB download, $fn front -> $bn: 200, length and MD5 right"
		else
			fail "64 MB download, $fn front -> $bn: '$out' (want '200 $big_len $big_md5')"
		fi
		# upload
		out=$(curl -s -m 60 $([ $f = 2 ] && echo --http2-prior-knowledge) \
			-H 'Content-Type: application/octet-stream' \
			--data-binary @"$www/big.bin" -w ' %{http_code}' "$base/md5.php" | tr -d '\n')
		if [ "$out" = "$big_len $big_md5 200" ]; then
			pass "64 MB upload, $fn front -> $bn: the server got it whole (length and MD5)"
		else
			fail "64 MB upload, $fn front -> $bn: '$out' (want '$big_len $big_md5 200')"
		fi
	done
done
# a chunked upload (length unknown to muxlab: chunked to the server too)
out=$(curl -s -m 60 -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' \
	--data-binary @"$www/big.bin" -w ' %{http_code}' "http://127.0.0.1:$fe1_ngx1/md5.php" | tr -d '\n')
if [ "$out" = "$big_len $big_md5 200" ]; then
	pass "64 MB chunked upload, h1 front -> nginx h1: the server got it whole"
else
	fail "64 MB chunked upload, h1 front -> nginx h1: '$out' (want '$big_len $big_md5 200')"
fi

# ------------------------------------------------------ (b) 1 GiB, flat RSS
out=$(curl -s -m 120 -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$fe1_ngx1/huge.bin")
if [ "$out" = "200 1073741824" ]; then
	pass "1 GiB download, h1 front -> nginx h1: 200, all of it"
else
	fail "1 GiB download: '$out' (want '200 1073741824')"
fi
hwm=$(kb VmHWM)
if [ -n "$hwm" ] && [ $((hwm - rss0)) -lt 49152 ]; then
	pass "peak RSS after 13 x 64 MB and 1 GiB: $((hwm / 1024)) MB (start $((rss0 / 1024)) MB)"
else
	fail "peak RSS $((hwm / 1024)) MB from $((rss0 / 1024)) MB: bodies are held, not streamed"
fi

# ------------------------------------------- (c) zero-window hostile client
if have h2load; then
	rss1=$(kb VmRSS)
	timeout -k 2 8 h2load -n 1000 -c 10 -m 100 -w 0 \
		"http://127.0.0.1:$fe2_ngx2/3m.bin" >"$tmp/h2load-w0.out" 2>&1 &
	hp=$!
	peak=0
	for i in $(seq 14); do
		sleep 0.5
		r=$(kb VmRSS)
		[ "${r:-0}" -gt $peak ] && peak=$r
	done
	wait $hp 2>/dev/null
	if [ $((peak - rss1)) -lt 81920 ]; then
		pass "1000 streams of 3 MB with a zero window: RSS at most $((peak / 1024)) MB (from $((rss1 / 1024)) MB)"
	else
		fail "zero-window streams: RSS $((peak / 1024)) MB from $((rss1 / 1024)) MB"
	fi
	out=$(xfer after-w0 1 "http://127.0.0.1:$fe1_ngx1/3m.bin")
	case $out in
	"200 3000000 "*) pass "muxlab still serves after them: $out" ;;
	*) fail "after the zero-window clients: '$out'" ;;
	esac
fi

kill -INT $mpid
stop_pid $mpid INT
if [ "$stopped_rc" = 0 ]; then
	pass "muxlab stopped cleanly (exit 0: nothing leaked)"
else
	fail "muxlab exit status $stopped_rc: $(tail -5 "$log" | tr '\n' ' ')"
fi
[ $nfail = 0 ] || { keep_tmp=1; echo "kept $tmp"; }
exit $((nfail > 0))
