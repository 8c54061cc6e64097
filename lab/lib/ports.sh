# lab/lib/ports.sh - loopback port helpers, sourced by lab scripts and tests.
#
# A scenario names fixed loopback ports (18000-19999). A second run of the
# same scenario on this machine (a student's demo beside the grader, two
# tests) would fail to bind them, so scripts that run scenarios on their
# own copy them with every port moved to a free one first.

# port_busy PORT: is something listening on 127.0.0.1:PORT?
port_busy() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# free_port BASE: the first port >= BASE nobody listens on
free_port() {
	local p=$1
	while port_busy "$p"; do p=$((p + 1)); done
	echo "$p"
}

# remap_ports SRC DST [all]: copy scenario SRC to DST with every
# 127.0.0.1:PORT (PORT in 18000-19999, the scenarios' ranges; any PORT
# with "all") moved to a port nobody listens on. Ports are taken from a
# per-process random base so that two scripts starting at the same time
# do not pick the same ones.
_next_port=${_next_port:-$((20000 + (RANDOM % 200) * 40))}
remap_ports() {
	local src=$1 dst=$2 p np expr="" back="" re='1[89][0-9]{3}' i=0
	[ "${3:-}" = all ] && re='[0-9]+'
	# through a placeholder per port, so that a new port equal to one of
	# the file's old ones is not moved again by a later expression
	for p in $(grep -oE "127\.0\.0\.1:$re\b" "$src" | cut -d: -f2 | sort -u); do
		np=$(free_port $_next_port)
		_next_port=$((np + 1))
		i=$((i + 1))
		expr="$expr -e s/127\\.0\\.0\\.1:$p\\b/127.0.0.1:@PORT$i@/g"
		back="$back -e s/@PORT$i@/$np/g"
	done
	if [ $i -gt 0 ]; then
		expr="$expr $back"
		sed $expr "$src" >"$dst"
	else
		cp "$src" "$dst"
	fi
}

# slow_scenario SRC DST: copy scenario SRC to DST for a sanitizer build,
# which slows the engine 5-15x with stalls of a few hundred ms: every load
# generator's --rate divided by ten (at least 1), so its timeouts do not
# fire, and every server's --keepalive-timeout multiplied by ten, so a
# server does not close a connection the stalled engine is about to use
# (a brand-new one included: its first request would get a 502). The
# takeovers stay; the idle closes mostly go.
slow_scenario() {
	awk '/^#@lab (load|peer)/ {
		for (i = 1; i < NF; i++) {
			if ($i == "--rate" && $(i + 1) + 0 > 0)
				$(i + 1) = int($(i + 1) / 10) > 0 ? int($(i + 1) / 10) : 1
			if ($i == "--keepalive-timeout")
				$(i + 1) = $(i + 1) * 10
		}
	} { print }' "$1" >"$2"
}
