#!/usr/bin/env bash
# haproxy_check.sh - every shipped scenario is a valid haproxy.cfg (real
# HAProxy accepts it: `haproxy -c -f`) and a valid muxlab scenario
# (`muxlab -c -f`).
. "$(dirname "$0")/common.bash"

n=0
for f in "$top"/lab/scenarios/*.cfg; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	name=$(basename "$f")
	if have haproxy; then
		if out=$(haproxy -c -f "$f" 2>&1); then
			pass "haproxy -c $name"
		else
			fail "haproxy -c $name: $(echo "$out" | head -3 | tr '\n' ' ')"
		fi
	else
		skip "haproxy -c $name: haproxy is not installed (make deps)"
	fi
	if [ -x "$muxlab" ]; then
		if out=$("$muxlab" -c -f "$f" 2>&1); then
			pass "muxlab -c $name"
		else
			fail "muxlab -c $name: $out"
		fi
	else
		skip "muxlab -c $name: muxlab not built"
	fi
done
[ $n -gt 0 ] || fail "no scenario in lab/scenarios"
exit $((nfail > 0))
