#!/usr/bin/env bash
# timeout: 90
# timeouts.sh - the timeouts of HAProxy users:
#   - timeout server is an inactivity timeout: a backend that keeps
#     sending its response, however slowly, is not cut; one that goes
#     silent for longer than the timeout is (504). The backend is a small
#     python3 server: headers at once, then the body one byte every 300 ms
#     for 2.4 s, under "timeout server 1s". Before the fix the stream's
#     timer was armed once per request: 504 after 1 s.
#   - timeout http-request 1s cuts a slowloris client (a header byte every
#     300 ms, which keeps refreshing timeout client 10s) with a 408 after
#     about 1 s, while a normal request still gets its 200. Before, the
#     keyword was refused ("not modelled").
#   - retries: an H1 server that closes every keep-alive connection when
#     its second request arrives, unanswered: a GET is sent again on a new
#     connection (4 of 4 answered; before: the client connection was
#     closed without an answer), a POST is not (not idempotent).
#   - Expect: 100-continue (curl told to wait 10 s for the 100): muxlab
#     answers 100 Continue at once, as HAProxy does when it buffers the
#     body, and does not pass the expectation to the server. Before, the
#     client waited for a 100 that never came.
# MUXLAB=path runs another build (e.g. an older one, to see it fail).
. "$(dirname "$0")/common.bash"
[ -n "${MUXLAB:-}" ] && muxlab=$MUXLAB
need_muxlab timeouts
for t in curl python3; do
	have $t || { skip "timeouts: $t not installed (make deps)"; exit 0; }
done

# proxy NAME FRONTPORT BACKPORT NBTHREAD [DEFAULTS_LINE]: start a muxlab
# with one frontend on FRONTPORT and one server on BACKPORT, "timeout
# client 10s", "timeout server 10s" unless DEFAULTS_LINE says otherwise
# (later lines win); returns 1 (with a FAIL) if it does not listen
proxy() {
	cat >"$tmp/$1.cfg" <<CFG
global
	nbthread $4
defaults
	mode http
	timeout connect 2s
	timeout client 10s
	timeout server 10s
	${5:-}
frontend fe
	bind 127.0.0.1:$2
	default_backend be
backend be
	server s1 127.0.0.1:$3
CFG
	"$muxlab" -f "$tmp/$1.cfg" --quiet 2>"$tmp/$1.err" &
	on_exit "stop_pid $!"
	wait_port "$2" 5 && return 0
	fail "timeouts: muxlab ($1) did not start: $(head -3 "$tmp/$1.err")"
	return 1
}

bport=$(free_port 18760)
cat >"$tmp/trickle.py" <<'PY'
import socket, sys, threading, time
port = int(sys.argv[1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(16)
def serve(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            return
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    clen = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            clen = int(v)
    while len(rest) < clen:      # read the body: closing with unread
        d = c.recv(65536)        # bytes would reset the connection
        if not d:
            return
        rest += d
    path = buf.split(b" ")[1]
    body = b"abcdefgh"
    if b"\r\nexpect:" in buf.lower():
        body = b"EXPECT!!"          # the expectation must not reach us"
    if path == b"/silent":
        time.sleep(2.5)            # one gap longer than timeout server
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
    if path == b"/quick" or path == b"/silent":
        c.sendall(body)
    elif path == b"/stall":
        c.sendall(body[:3])
        time.sleep(2.5)            # the same gap, inside the body
        c.sendall(body[3:])
    else:
        for i in range(len(body)):  # 8 bytes, 300 ms apart: 2.4 s
            time.sleep(0.3)
            c.sendall(body[i:i + 1])
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$tmp/trickle.py" "$bport" 2>/dev/null &
spid=$!
on_exit "kill $spid 2>/dev/null"
wait_port "$bport" 5 || { fail "timeouts: the trickling server did not start"; exit 1; }
fport=$(free_port $((bport + 1)))
proxy t "$fport" "$bport" 2 "timeout server 1s" || exit 1
t0=$(date +%s.%N)
out=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$fport/trickle")
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if [ "$out" = 200 ] && [ "$(cat "$tmp/body")" = abcdefgh ]; then
	pass "timeouts: a response trickling for ${secs}s under timeout server 1s arrives whole (200)"
else
	fail "timeouts: trickling response: status $out after ${secs}s, body '$(head -c 20 "$tmp/body")' (want 200, abcdefgh)"
fi
out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fport/silent")
[ "$out" = 504 ] &&
	pass "timeouts: a server silent for 2.5s under timeout server 1s gets 504" ||
	fail "timeouts: silent server: status $out, want 504"
# the same silence once the headers and part of the body went: too late
# for a 504, the response is cut (curl: partial file, exit 18), as HAProxy
# does with a streamed body
t0=$(date +%s.%N)
out=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$fport/stall"; echo " $?")
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ "$out" = "200 18" ] && [ "$(cat "$tmp/body")" = abc ] &&
   awk -v s="$secs" 'BEGIN { exit !(s < 2.4) }'; then
	pass "timeouts: a server silent for 2.5s inside its body under timeout server 1s: the response is cut after ${secs}s (200, 3 of 8 bytes)"
else
	fail "timeouts: stalled body: '$out' after ${secs}s, body '$(head -c 20 "$tmp/body")' (want '200 18', abc, cut before 2.4s)"
fi

# retries: an H1 server that closes its keep-alive connection on the
# second request, without answering (the keep-alive race, every time)
rport=$(free_port $((fport + 5)))
cat >"$tmp/closer.py" <<'PY'
import socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
def serve(c):
    buf = b""
    n = 0
    while True:
        while b"\r\n\r\n" not in buf:
            d = c.recv(4096)
            if not d:
                c.close(); return
            buf += d
        buf = buf.split(b"\r\n\r\n", 1)[1]
        n += 1
        if n == 2:              # the second request: close, no answer
            c.close(); return
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$tmp/closer.py" "$rport" 2>/dev/null &
cpid=$!
on_exit "kill $cpid 2>/dev/null"
fport3=$(free_port $((rport + 1)))
if wait_port "$rport" 5 && proxy k "$fport3" "$rport" 1; then
	# a client that never retries by itself (curl would): one
	# connection, requests one after the other, the status of each
	cat >"$tmp/ka.py" <<'PY'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.settimeout(5)
out = []
for m in sys.argv[2:]:
    body = b"x" if m == "POST" else b""
    c.sendall(b"%s / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (m.encode(), len(body), body))
    buf = b""
    try:
        while b"\r\n\r\n" not in buf or not buf.endswith(b"ok"):
            d = c.recv(4096)
            if not d:
                break
            buf += d
    except OSError:
        pass
    out.append(buf.split(b" ")[1].decode() if buf.startswith(b"HTTP/1.1 ") else "closed")
    if out[-1] == "closed":
        break
print(" ".join(out))
PY
	out=$(python3 "$tmp/ka.py" "$fport3" GET GET GET GET)
	[ "$out" = "200 200 200 200" ] &&
		pass "timeouts: GETs on reused connections the server closes unanswered are sent again (retries): '$out'" ||
		fail "timeouts: retries of GETs lost to keep-alive closes: '$out' (want '200 200 200 200')"
	out=$(python3 "$tmp/ka.py" "$fport3" GET POST)
	[ "$out" = "200 closed" ] &&
		pass "timeouts: a POST lost the same way is not sent again (the client connection closes: '$out')" ||
		fail "timeouts: POST lost to a keep-alive close: '$out' (want '200 closed')"
else
	fail "timeouts: the closing server did not start"
fi

# timeout http-request: a slowloris client
fport2=$(free_port $((fport + 1)))
proxy r "$fport2" "$bport" 2 "timeout http-request 1s" || exit 1
out=$(curl -s -m 5 -w ' %{http_code}' "http://127.0.0.1:$fport2/quick")
[ "$out" = "abcdefgh 200" ] &&
	pass "timeouts: timeout http-request 1s lets a normal request through (200)" ||
	fail "timeouts: normal request under timeout http-request: '$out'"
# Expect: 100-continue with a 200 kB body
head -c 200000 /dev/zero >"$tmp/post.bin"
t0=$(date +%s.%N)
out=$(curl -s -m 5 --expect100-timeout 10 -H 'Expect: 100-continue' \
	--data-binary @"$tmp/post.bin" -w ' %{http_code}' "http://127.0.0.1:$fport2/quick")
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
if [ "$out" = "abcdefgh 200" ] && awk -v s="$secs" 'BEGIN { exit !(s < 2) }'; then
	pass "timeouts: Expect: 100-continue is answered at once (200 in ${secs}s, the expectation not forwarded)"
else
	fail "timeouts: Expect: 100-continue: '$out' in ${secs}s (want 'abcdefgh 200' in under 2 s)"
fi
cat >"$tmp/slowloris.py" <<'PY'
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.settimeout(0.05)
t0 = time.time()
c.sendall(b"GET /quick HTTP/1.1\r\nHost: x\r\n")
got = b""
for i in range(40):                  # up to 12 s of one byte per 300 ms
    try:
        c.sendall(b"X-Drip-%d: y\r\n" % i)
    except OSError:
        break
    time.sleep(0.25)
    try:
        d = c.recv(4096)
        if not d:
            break
        got += d
    except socket.timeout:
        pass
    except OSError:
        break
print("%.1f %s" % (time.time() - t0, got.split(b"\r\n")[0].decode() if got else "-"))
PY
res=$(python3 "$tmp/slowloris.py" "$fport2")
secs=${res%% *} line=${res#* }
if [ "${line#HTTP/1.1 408}" != "$line" ] &&
   awk -v s="$secs" 'BEGIN { exit !(s < 4) }'; then
	pass "timeouts: a slowloris client is cut by timeout http-request 1s: '$line' after ${secs}s"
else
	fail "timeouts: slowloris under timeout http-request 1s: '$line' after ${secs}s (want 408 within 4 s)"
fi
exit $((nfail > 0))
