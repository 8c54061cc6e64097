#!/usr/bin/env bash
# timeout: 90
# demo.sh - lab/demo, what `make demo` runs after building, as a new user
# meets it (without a terminal, so it stops after the comparison): both
# recordings succeed with nothing discarded, each shown as one line with
# lab/record's whole report kept beside its trace, and the comparison
# shows the lesson: usr1 runs most io_cb on the fast path and takes the
# idle_conns lock far less often than legacy, where every io_cb locks.
. "$(dirname "$0")/common.bash"
need_muxlab demo
for t in lttng lttng-sessiond babeltrace2; do
	have $t || { fail "demo: $t not installed (make deps)"; exit 1; }
done
ensure_sessiond || { fail "demo: $mxl_lttng_error"; exit 1; }

mkdir -p "$tmp/scn"
remap_ports "$top/lab/scenarios/default.cfg" "$tmp/scn/default.cfg"
out=$tmp/demo.out
(cd "$top" && BUILD=$build lab/demo --no-view --duration 1 \
	--scenario "$tmp/scn/default.cfg" --out "$tmp/traces") >"$out" 2>&1 </dev/null
rc=$?
if [ $rc != 0 ]; then
	fail "demo: lab/demo exit $rc: $(tail -n 2 "$out" | tr '\n' ' ')"
	exit 1
fi
pass "demo: lab/demo --no-view ends with exit 0 ($(wc -l <"$out") lines)"

n=$(grep -cE '^  [0-9]+ requests \([0-9]+ errors, .*\), [0-9]+ events, 0 discarded$' "$out")
[ "$n" = 2 ] && pass "demo: one summary line per recording, nothing discarded" ||
	fail "demo: $n summary lines with 0 discarded (want 2): $(grep -E '^  [0-9]+ requests' "$out" | tr '\n' ' ')"
for m in legacy usr1; do
	[ -d "$tmp/traces/$m" ] && grep -q '^requests_ok ' "$tmp/traces/$m.record.log" ||
		fail "demo: no $m trace or no lab/record report beside it"
done
! grep -q '^  peer-server:\|^  io_cb_front_fast' "$out" ||
	fail "demo: lab/record's whole report is printed (it belongs in TRACE.record.log)"

# the comparison: row VALUE_legacy VALUE_usr1
row() { awk -v r="$1" 'index($0, "  " r " ") == 1 && !seen++ {
	print $(NF - 2), $(NF - 1) }' "$out"; }
read -r la lu <<<"$(row "io_cb locked")"
read -r fa fu <<<"$(row "io_cb fast")"
read -r ka ku <<<"$(row "lock acquisitions")"
if [ -n "$la" ] && [ "$fa" = 0 ] && [ "$la" -gt 0 ] && [ -n "$fu" ] &&
   [ "$fu" -gt $((10 * ${lu:-0})) ] && [ "$ku" -lt "$ka" ]; then
	pass "demo: legacy locks every io_cb ($la), usr1 runs $fu of $((fu + lu)) lock-free; lock acquisitions $ka -> $ku"
else
	fail "demo: the comparison does not show the lesson: io_cb locked '$la' '$lu', fast '$fa' '$fu', lock acquisitions '$ka' '$ku'"
fi
exit $((nfail > 0))
