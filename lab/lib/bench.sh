# lab/lib/bench.sh - what lab/bench and lab/scale share: waiting for ports,
# stopping processes, the scenario's peers and front ports, and the small
# arithmetic of their reports. Sourced; the caller sets $build and $work
# and provides die() and note().

# wait_port PORT: until something listens on 127.0.0.1:PORT (5 s)
wait_port() {
	for _ in $(seq 50); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# port_free PORT: nothing listens on 127.0.0.1:PORT
port_free() {
	! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 s; returns its exit status
stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "bench: pid $pid ignored SIGTERM for 10 s: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
}

# front_port FILE h1|h2: port of the first H1 (no "proto h2") or h2c bind
front_port() {
	awk -v want="$2" '
		$1 == "bind" {
			h2 = 0
			for (i = 3; i < NF; i++)
				if ($i == "proto" && $(i + 1) == "h2") h2 = 1
			if ((want == "h2") == h2) { sub(/.*:/, "", $2); print $2; exit }
		}' "$1"
}

# start_peers FILE [PREFIX...]: the scenario's "#@lab peer" lines, each
# started as PREFIX... peer-server ARGS (PREFIX: e.g. taskset -c 4,5);
# their pids are added to $peer_pids
peer_pids=""
start_peers() {
	local file=$1 name args p
	shift
	while read -r _ _ name args; do
		p=$(printf '%s\n' "$args" | sed -n 's/.*--listen [^ ]*:\([0-9]*\).*/\1/p')
		port_free "$p" || die "port $p (peer $name) is in use: another scenario running?"
		"$@" "$build/peer-server" $args --quiet 2>>"$work/peers.err" &
		peer_pids="$peer_pids $!"
		wait_port "$p" || { cat "$work/peers.err" >&2; die "peer $name did not start"; }
	done < <(grep -E '^#@lab[[:space:]]+peer[[:space:]]' "$file")
}
stop_peers() {
	local p
	for p in $peer_pids; do stop_pid "$p"; done
	peer_pids=""
}

# cpu_idle SECS: % of CPU time idle over the next SECS s (/proc/stat)
cpu_idle() {
	local a b
	a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	sleep "$1"
	b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	echo "$a $b" | awk '{ d = $4 - $2; print (d > 0 ? int(100 * ($3 - $1) / d) : 100) }'
}

# busy_cpu_us: CPU time the whole machine spent busy so far (every CPU,
# user + nice + system + irq + softirq; not a VM's steal, time its host
# gave to others), in microseconds
busy_cpu_us() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / {
		printf "%.0f\n", ($2 + $3 + $4 + $7 + $8) * 1000000 / hz; exit }' /proc/stat
}

# peers_cpu_us: CPU time of the peer-servers started by start_peers
peers_cpu_us() {
	local p t=0
	for p in $peer_pids; do t=$((t + $(proc_cpu_us "$p" || echo 0))); done
	echo "$t"
}

# proc_cpu_us PID: user + system CPU time of PID so far, in microseconds
proc_cpu_us() {
	awk -v hz="$(getconf CLK_TCK)" '{
		# the command name may hold spaces: count fields from the end
		n = NF; print int(($(n - 38) + $(n - 37)) * 1000000 / hz) }' \
		"/proc/$1/stat" 2>/dev/null
}

# median of the numbers on stdin; ratio A B (A/B); per A B (A/B, 4 places)
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.3f", a / b; else print "n/a" }'; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "n/a" }'; }
# spread of the numbers on stdin: (max - min) / median, in %
spread() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR < 2 || a[int((NR + 1) / 2)] <= 0) print "-"; else printf "%.0f%%", 100 * (a[NR] - a[1]) / a[int((NR + 1) / 2)] }'; }
