#!/usr/bin/env bash
# timeout: 90
#
# tests/peers/h1_server.sh - peer-server --proto h1 against curl and raw
# sockets (bash /dev/tcp): keep-alive reuse, paths, bodies, Connection:
# close, --max-requests, the idle close after --keepalive-timeout,
# pipelining, bad requests, --threads, --ready-fd and the exit summary.
. "$(dirname "$0")/common.bash"
need_peers
have curl || { skip "h1: curl is not installed"; exit 0; }

CURL=(curl -s --max-time 5)

if start_server S --proto h1 --keepalive-timeout 400 --verbose; then
	pass "h1/ready-fd: ready byte and 'listening on 127.0.0.1:$S'"
else
	fail "h1/ready-fd: peer-server did not start"
	finish
fi
url=http://127.0.0.1:$S

# --- a plain GET: default body of 128 bytes, the deterministic pattern
"${CURL[@]}" -o "$tmp/get.body" -w '%{http_code} %{size_download}' \
	"$url/" >"$tmp/get.out"
body_pattern 128 >"$tmp/expect.body"
if [ "$(cat "$tmp/get.out")" = "200 128" ] &&
   cmp -s "$tmp/get.body" "$tmp/expect.body"; then
	pass "h1/get: 200 with the 128-byte pattern"
else
	fail "h1/get: got '$(cat "$tmp/get.out")'"
fi

# --- keep-alive: two URLs on one curl command line share one connection
"${CURL[@]}" -v "$url/" "$url/size/10" -o /dev/null -o /dev/null \
	>"$tmp/ka.out" 2>&1
conns=$(grep -i '^< x-peer-conn:' "$tmp/ka.out" | awk '{print $3}' |
	tr -d '\r' | sort -u | wc -l)
reqs=$(grep -i '^< x-peer-req:' "$tmp/ka.out" | awk '{print $3}' |
	tr -d '\r' | tr '\n' ' ')
if grep -q 'Re-using existing connection' "$tmp/ka.out" &&
   [ "$conns" = 1 ] && [ "$reqs" = "1 2 " ]; then
	pass "h1/keepalive-reuse: one connection, x-peer-req 1 then 2"
else
	fail "h1/keepalive-reuse: conns=$conns reqs='$reqs'"
fi

# --- paths: /status/N, /size/N, /delay/N, combined, bad values
st=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$url/status/404")
st204=$("${CURL[@]}" -o "$tmp/204.body" -w '%{http_code}' "$url/status/204")
bad=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$url/status/99")
if [ "$st" = 404 ] && [ "$st204" = 204 ] && [ ! -s "$tmp/204.body" ] &&
   [ "$bad" = 400 ]; then
	pass "h1/status-path: /status/404, /status/204 (no body), bad -> 400"
else
	fail "h1/status-path: got $st $st204 $bad"
fi

"${CURL[@]}" -o "$tmp/big.body" "$url/size/200000?x=1"
body_pattern 200000 >"$tmp/expect.big"
if cmp -s "$tmp/big.body" "$tmp/expect.big"; then
	pass "h1/size-path: /size/200000 gives the 200000-byte pattern"
else
	fail "h1/size-path: $(wc -c <"$tmp/big.body") bytes, or content differs"
fi

t=$("${CURL[@]}" -o /dev/null -w '%{time_total}' "$url/delay/300/size/5")
if awk -v t="$t" 'BEGIN { exit !(t >= 0.29 && t < 3) }'; then
	pass "h1/delay-path: /delay/300 answered after ${t}s"
else
	fail "h1/delay-path: answered after ${t}s"
fi

# --- HEAD: headers of the GET, no body
"${CURL[@]}" -I "$url/size/77" >"$tmp/head.out"
if grep -qi '^content-length: 77' "$tmp/head.out" &&
   grep -q '^HTTP/1.1 200' "$tmp/head.out"; then
	pass "h1/head: content-length 77, no body"
else
	fail "h1/head: $(head -n 1 "$tmp/head.out")"
fi

# --- request bodies: Content-Length, chunked, Expect: 100-continue
head -c 300000 /dev/zero >"$tmp/upload"
a=$("${CURL[@]}" -o /dev/null -w '%{http_code}' --data-binary @"$tmp/upload" \
	"$url/size/3")
b=$("${CURL[@]}" -o /dev/null -w '%{http_code}' --data-binary @"$tmp/upload" \
	-H 'Transfer-Encoding: chunked' "$url/size/3")
c=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{time_total}' \
	--data-binary @"$tmp/upload" -H 'Expect: 100-continue' "$url/size/3")
if [ "$a" = 200 ] && [ "$b" = 200 ] &&
   awk -v c="$c" 'BEGIN { split(c, x, " "); exit !(x[1] == 200 && x[2] < 0.9) }'; then
	pass "h1/request-bodies: content-length, chunked, 100-continue"
else
	fail "h1/request-bodies: got '$a' '$b' '$c'"
fi

# --- Connection: close from the client is honoured
"${CURL[@]}" -v -H 'Connection: close' "$url/" -o /dev/null >"$tmp/cc.out" 2>&1
if grep -qi '^< connection: close' "$tmp/cc.out"; then
	pass "h1/client-close: answers 'connection: close'"
else
	fail "h1/client-close: no 'connection: close' in the response"
fi

# --- HTTP/1.0 without keep-alive: answered, then closed
"${CURL[@]}" -v --http1.0 "$url/" -o /dev/null >"$tmp/h10.out" 2>&1
if grep -q '^< HTTP/1.1 200' "$tmp/h10.out" &&
   grep -qi '^< connection: close' "$tmp/h10.out"; then
	pass "h1/http10: answered and closed"
else
	fail "h1/http10: unexpected answer"
fi

# --- idle close: request, response, then the server closes the
# connection --keepalive-timeout (400 ms) later. bash /dev/tcp, cat waits
# for the EOF.
idle_close() {	# idle_close PORT REQUEST -> prints "elapsed_ms bytes"
	local t0 t1
	exec 3<>"/dev/tcp/127.0.0.1/$1"
	[ -n "$2" ] && printf '%b' "$2" >&3
	t0=$(now_ms)
	timeout 5 cat <&3 >"$tmp/idle.out"
	t1=$(now_ms)
	exec 3<&-
	echo "$((t1 - t0)) $(wc -c <"$tmp/idle.out")"
}
read -r ms bytes < <(idle_close "$S" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
if grep -q '^HTTP/1.1 200' "$tmp/idle.out" && [ "$ms" -ge 300 ] &&
   [ "$ms" -lt 2500 ]; then
	pass "h1/idle-close: closed ${ms} ms after the response (timeout 400)"
else
	fail "h1/idle-close: EOF after ${ms} ms, $bytes bytes"
fi
read -r ms bytes < <(idle_close "$S" '')
if [ "$bytes" = 0 ] && [ "$ms" -ge 300 ] && [ "$ms" -lt 2500 ]; then
	pass "h1/idle-close-fresh: a connection with no request closed at ${ms} ms"
else
	fail "h1/idle-close-fresh: EOF after ${ms} ms, $bytes bytes"
fi

# The next checks want a close at once, not after an idle timeout: a
# server with a long one tells the two apart even on a loaded machine.
start_server L --proto h1 --keepalive-timeout 10000 ||
	fail "h1: peer-server L did not start"

# --- pipelining: three requests in one write, three answers in order
read -r ms bytes < <(idle_close "$L" \
	'GET /size/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /size/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /size/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
lens=$(grep -i '^content-length' "$tmp/idle.out" | awk '{print $2}' |
	tr -d '\r' | tr '\n' ' ')
if [ "$lens" = "1 2 3 " ] && [ "$ms" -lt 5000 ]; then
	pass "h1/pipelining: three answers in order, closed at once after the last"
else
	fail "h1/pipelining: lengths '$lens', EOF after $ms ms"
fi

# --- a malformed request gets 400 and a close
read -r ms bytes < <(idle_close "$L" 'BLAH\r\n\r\n')
if grep -q '^HTTP/1.1 400' "$tmp/idle.out" && [ "$ms" -lt 5000 ]; then
	pass "h1/bad-request: 400 and close"
else
	fail "h1/bad-request: got '$(head -n 1 "$tmp/idle.out")' after $ms ms"
fi

stop_server L
stop_server S
if [ "$stopped_rc" = 0 ] &&
   grep -qE 'h1 127\.0\.0\.1:[0-9]+: [0-9]+ requests, [0-9]+ connections, [1-9][0-9]* idle closes' \
	"$tmp/S.log"; then
	pass "h1/sigterm-summary: $(tail -n 1 "$tmp/S.log" | cut -d: -f4-)"
else
	fail "h1/sigterm-summary: rc=$stopped_rc, $(tail -n 1 "$tmp/S.log")"
fi

# --- --max-requests 2: the second answer says close, the third request
# goes over a new connection
start_server M --proto h1 --max-requests 2 || { fail "h1/max-requests: no server"; finish; }
"${CURL[@]}" -v "http://127.0.0.1:$M/" "http://127.0.0.1:$M/" \
	"http://127.0.0.1:$M/" -o /dev/null -o /dev/null -o /dev/null \
	>"$tmp/mr.out" 2>&1
closes=$(grep -ci '^< connection: close' "$tmp/mr.out")
conns=$(grep -i '^< x-peer-conn:' "$tmp/mr.out" | awk '{print $3}' |
	tr -d '\r' | tr '\n' ' ')
if [ "$closes" = 1 ] && [ "$conns" = "1 1 2 " ]; then
	pass "h1/max-requests: 'connection: close' on request 2, new conn for 3"
else
	fail "h1/max-requests: closes=$closes conns='$conns'"
fi
stop_server M
grep -q ' 1 max-requests closes' "$tmp/M.log" ||
	fail "h1/max-requests: summary: $(tail -n 1 "$tmp/M.log")"

# --- --threads 4: many connections, all answered, spread over threads
start_server T --proto h1 --threads 4 --verbose || { fail "h1/threads: no server"; finish; }
cpids=()
for i in $(seq 40); do
	"${CURL[@]}" -o /dev/null "http://127.0.0.1:$T/" &
	cpids+=($!)
done
wait_ok=0
for j in "${cpids[@]}"; do
	wait "$j" && wait_ok=$((wait_ok + 1))
done
threads=$(grep -o 'peer-server\[t[0-9]*\]' "$tmp/T.log" | sort -u | wc -l)
stop_server T
if [ "$wait_ok" = 40 ] && grep -q ' 40 requests' "$tmp/T.log"; then
	pass "h1/threads: 40 parallel curls answered by $threads thread(s)"
else
	fail "h1/threads: $wait_ok curls ok; $(tail -n 1 "$tmp/T.log")"
fi

# --- command line errors are reported, with exit status 2
"$PS" --proto h3 --listen 127.0.0.1:0 2>"$tmp/e1"; r1=$?
"$PS" --proto h1 --listen 127.0.0.1:0 --size -5 2>"$tmp/e2"; r2=$?
"$PS" --proto h1 2>"$tmp/e3"; r3=$?
if [ $r1 = 2 ] && [ $r2 = 2 ] && [ $r3 = 2 ] &&
   grep -q 'unknown --proto' "$tmp/e1" && grep -q 'bad value for --size' "$tmp/e2"; then
	pass "h1/usage-errors: exit 2 with a message"
else
	fail "h1/usage-errors: rc $r1 $r2 $r3"
fi

finish
