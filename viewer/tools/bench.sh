#!/usr/bin/env bash
# viewer/tools/bench.sh - muxview load time and memory vs babeltrace2.
#
#   bench.sh [-r ROUNDS] TRACE...
#
# For each trace, alternates `babeltrace2 --output-format=dummy TRACE` and
# `muxview --stats TRACE` ROUNDS times (default 5) and prints, for each,
# the minimum and median wall time and CPU time (user+sys) and the peak
# RSS, then the ratios of the minima; then `muxview --bench TRACE`
# (bytes/event, redraw time at 200x60). Minima are the least disturbed
# by other load on the machine; the median is shown for honesty.
set -u
rounds=5
if [ "${1:-}" = -r ]; then rounds=$2; shift 2; fi
here=$(cd "$(dirname "$0")/.." && pwd)
mv=${MUXVIEW:-$here/muxview}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

stat() {	# stat FIELD: min and median of column FIELD of $tmp.NAME
	sort -n -k"$2" "$1" | awk -v f="$2" '{ v[NR] = $f } END {
		printf "min %.3f median %.3f", v[1], v[int((NR + 1) / 2)] }'
}
for tr in "$@"; do
	: >"$tmp.bt"; : >"$tmp.mv"
	for i in $(seq "$rounds"); do
		/usr/bin/time -f "%e %U %S %M" -o "$tmp" \
			babeltrace2 --output-format=dummy "$tr" >/dev/null
		awk '{ print $1, $2 + $3, $4 }' "$tmp" >>"$tmp.bt"
		/usr/bin/time -f "%e %U %S %M" -o "$tmp" \
			"$mv" --stats "$tr" >/dev/null
		awk '{ print $1, $2 + $3, $4 }' "$tmp" >>"$tmp.mv"
	done
	echo "== $tr ($rounds rounds, load average: $(cut -d' ' -f1-3 /proc/loadavg))"
	for w in bt mv; do
		name=babeltrace2-dummy; [ $w = mv ] && name="muxview --stats"
		printf "%-18s wall s: %s   cpu s: %s   max RSS: %s kB\n" "$name" \
			"$(stat "$tmp.$w" 1)" "$(stat "$tmp.$w" 2)" \
			"$(sort -n -k3 "$tmp.$w" | tail -1 | cut -d' ' -f3)"
	done
	bw=$(sort -n "$tmp.bt" | head -1 | cut -d' ' -f1)
	mw=$(sort -n "$tmp.mv" | head -1 | cut -d' ' -f1)
	bc=$(sort -n -k2 "$tmp.bt" | head -1 | cut -d' ' -f2)
	mc=$(sort -n -k2 "$tmp.mv" | head -1 | cut -d' ' -f2)
	awk -v a="$mw" -v b="$bw" -v c="$mc" -v d="$bc" 'BEGIN {
		printf "ratio muxview/babeltrace2 (minima): wall %.2fx, cpu %.2fx\n",
		       a / b, c / d }'
	"$mv" --bench "$tr" | sed 1d
	rm -f "$tmp.bt" "$tmp.mv"
done
