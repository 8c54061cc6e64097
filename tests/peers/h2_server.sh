#!/usr/bin/env bash
# timeout: 90
#
# tests/peers/h2_server.sh - peer-server --proto h2 (h2c, prior knowledge)
# against curl, h2load, nghttp and raw frames written with bash /dev/tcp:
# bodies both ways (flow control), CONTINUATION, concurrent streams and the
# 100-stream limit, GOAWAY after --max-requests and on idle, PING.
#
# (curl 7.88 does not reuse an h2c prior-knowledge connection for a second
# URL on its command line, whatever the server; reuse is checked with
# nghttp, h2load and loadgen instead.)
. "$(dirname "$0")/common.bash"
need_peers

# h2_frames FILE: one line "TYPE FLAGS STREAM LENGTH" per frame in FILE
h2_frames() {
	local hex i=0 n len
	read -r -a hex < <(od -An -v -tx1 "$1" | tr '\n' ' ')
	n=${#hex[@]}
	while ((i + 9 <= n)); do
		len=$((16#${hex[i]}${hex[i + 1]}${hex[i + 2]}))
		echo "$((16#${hex[i + 3]})) $((16#${hex[i + 4]}))" \
			"$((16#${hex[i + 5]}${hex[i + 6]}${hex[i + 7]}${hex[i + 8]} & 0x7fffffff))" \
			"$len"
		i=$((i + 9 + len))
	done
}

PREFACE='PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
SETTINGS='\x00\x00\x00\x04\x00\x00\x00\x00\x00'
PING='\x00\x00\x08\x06\x00\x00\x00\x00\x00muxlab!!'

start_server S --proto h2 --keepalive-timeout 400 ||
	{ fail "h2: peer-server did not start"; finish; }
url=http://127.0.0.1:$S

if have curl; then
	curl -s --max-time 5 --http2-prior-knowledge -o "$tmp/c.body" \
		-w '%{http_version} %{http_code} %{size_download}' "$url/" \
		>"$tmp/c.out"
	body_pattern 128 >"$tmp/expect"
	if [ "$(cat "$tmp/c.out")" = "2 200 128" ] &&
	   cmp -s "$tmp/c.body" "$tmp/expect"; then
		pass "h2/curl: HTTP/2 200 with the 128-byte pattern"
	else
		fail "h2/curl: got '$(cat "$tmp/c.out")'"
	fi

	# 1 MB down: the client's WINDOW_UPDATEs drive our DATA
	curl -s --max-time 10 --http2-prior-knowledge -o "$tmp/big" \
		"$url/size/1000000"
	body_pattern 1000000 >"$tmp/expect.big"
	# 1 MB up: our WINDOW_UPDATEs drive the client's DATA
	up=$(curl -s --max-time 10 --http2-prior-knowledge \
		--data-binary @"$tmp/big" -o /dev/null -w '%{http_code}' \
		"$url/size/7")
	if cmp -s "$tmp/big" "$tmp/expect.big" && [ "$up" = 200 ]; then
		pass "h2/flow-control: 1 MB down and 1 MB up"
	else
		fail "h2/flow-control: down $(wc -c <"$tmp/big") bytes, up $up"
	fi

	# a field block over 16 KB comes as HEADERS + CONTINUATION
	big=$(head -c 6000 /dev/urandom | od -An -v -tx1 | tr -d ' \n' |
		head -c 8000)
	st=$(curl -s --max-time 5 --http2-prior-knowledge -o /dev/null \
		-w '%{http_code}' -H "x-a: $big" -H "x-b: $big" \
		-H "x-c: $big" "$url/")
	if [ "$st" = 200 ]; then
		pass "h2/continuation: 24 KB of request headers"
	else
		fail "h2/continuation: got $st"
	fi

	st=$(curl -s --max-time 5 --http2-prior-knowledge -o /dev/null \
		-w '%{http_code}' "$url/status/503")
	h=$(curl -s --max-time 5 --http2-prior-knowledge -I "$url/size/77" |
		tr -d '\r' | grep -i '^content-length')
	if [ "$st" = 503 ] && [ "$h" = "content-length: 77" ]; then
		pass "h2/paths: /status/503, HEAD /size/77"
	else
		fail "h2/paths: status $st, HEAD '$h'"
	fi
else
	skip "h2/curl: curl is not installed"
fi

if have h2load; then
	timeout 30 h2load -n 1000 -c 10 -m 10 "$url/" >"$tmp/h2load.out" 2>&1
	if grep -q '1000 succeeded, 0 failed, 0 errored' "$tmp/h2load.out"; then
		pass "h2/h2load: -n 1000 -c 10 -m 10, 0 failed"
	else
		fail "h2/h2load: $(grep '^requests:' "$tmp/h2load.out")"
	fi
	# more streams asked than SETTINGS_MAX_CONCURRENT_STREAMS allows
	timeout 30 h2load -n 600 -c 1 -m 150 "$url/delay/20" \
		>"$tmp/h2load2.out" 2>&1
	if grep -q '600 succeeded, 0 failed, 0 errored' "$tmp/h2load2.out"; then
		pass "h2/max-concurrent-streams: h2load -m 150 kept to 100, 0 failed"
	else
		fail "h2/max-concurrent-streams: $(grep '^requests:' "$tmp/h2load2.out")"
	fi
else
	skip "h2/h2load: h2load is not installed (nghttp2-client)"
fi

if have nghttp; then
	# three streams at once on one connection: ~1 s, not 3
	t0=$(now_ms)
	timeout 10 nghttp -nv "$url/delay/1000/a" "$url/delay/1000/b" \
		"$url/delay/1000/c" >"$tmp/ng.out" 2>&1
	t1=$(now_ms)
	n=$(grep -c ':status: 200' "$tmp/ng.out")
	if [ "$n" = 3 ] && [ $((t1 - t0)) -lt 2500 ]; then
		pass "h2/multiplexing: 3 delayed streams in $((t1 - t0)) ms"
	else
		fail "h2/multiplexing: $n answers in $((t1 - t0)) ms"
	fi

	start_server M --proto h2 --max-requests 2 ||
		fail "h2/max-requests: no server"
	timeout 10 nghttp -nv "http://127.0.0.1:$M/delay/100/a" \
		"http://127.0.0.1:$M/delay/100/b" \
		"http://127.0.0.1:$M/delay/100/c" >"$tmp/ngm.out" 2>&1
	# nghttp opens its requests on streams 13, 15, 17
	if grep -q 'last_stream_id=15, error_code=NO_ERROR' "$tmp/ngm.out" &&
	   grep -A1 'recv RST_STREAM.*stream_id=17' "$tmp/ngm.out" |
		grep -q REFUSED_STREAM &&
	   [ "$(grep -c ':status: 200' "$tmp/ngm.out")" = 2 ]; then
		pass "h2/max-requests-goaway: GOAWAY last_stream_id=15," \
			"stream 17 refused, 13 and 15 answered"
	else
		fail "h2/max-requests-goaway: $(grep -i 'goaway\|rst_stream\|status' "$tmp/ngm.out" | tr '\n' ' ')"
	fi
	stop_server M
else
	skip "h2/nghttp: nghttp is not installed (nghttp2-client)"
fi

# raw: preface, SETTINGS, PING; expect SETTINGS, SETTINGS ACK, PING ACK,
# then, after 400 ms of silence, GOAWAY(NO_ERROR) and the close
exec 3<>"/dev/tcp/127.0.0.1/$S"
printf '%b' "$PREFACE$SETTINGS$PING" >&3
t0=$(now_ms)
timeout 5 cat <&3 >"$tmp/raw.out"
t1=$(now_ms)
exec 3<&-
frames=$(h2_frames "$tmp/raw.out" | awk '{ printf "%s/%s ", $1, $2 }')
ms=$((t1 - t0))
if [ "$frames" = "4/0 4/1 6/1 7/0 " ] && [ $ms -ge 300 ] && [ $ms -lt 2500 ]; then
	pass "h2/idle-goaway: SETTINGS, ACK, PING ACK, GOAWAY and close at $ms ms"
else
	fail "h2/idle-goaway: frames (type/flags) '$frames', EOF after $ms ms"
fi
goaway_code=$(od -An -v -tx1 "$tmp/raw.out" | tr -d ' \n' | tail -c 8)
[ "$goaway_code" = 00000000 ] ||
	fail "h2/idle-goaway: GOAWAY error code $goaway_code, want NO_ERROR"

# not HTTP/2 at all: dropped at once (a long idle timeout tells "at once"
# from "after the timeout" even on a loaded machine)
start_server L --proto h2 --keepalive-timeout 10000 ||
	fail "h2: peer-server L did not start"
exec 3<>"/dev/tcp/127.0.0.1/$L"
# the server may drop us before the write completes: EPIPE, not SIGPIPE
trap '' PIPE
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >&3 2>/dev/null
trap - PIPE
t0=$(now_ms)
timeout 5 cat <&3 >"$tmp/bad.out"
t1=$(now_ms)
exec 3<&-
if [ $((t1 - t0)) -lt 5000 ]; then
	pass "h2/bad-preface: HTTP/1.1 on the h2 port is dropped"
else
	fail "h2/bad-preface: closed after $((t1 - t0)) ms"
fi

stop_server S
if [ "$stopped_rc" = 0 ] &&
   grep -qE 'h2 127\.0\.0\.1:[0-9]+: [0-9]+ requests, .* [1-9][0-9]* idle closes' \
	"$tmp/S.log"; then
	pass "h2/sigterm-summary: $(tail -n 1 "$tmp/S.log" | cut -d: -f4-)"
else
	fail "h2/sigterm-summary: rc=$stopped_rc, $(tail -n 1 "$tmp/S.log")"
fi

finish
