#!/usr/bin/env bash
# muxview --stats on a real recorded trace equals what babeltrace2 counts.
. "$(dirname "$0")/lib.sh"
if ! need_lttng; then
	fail stats.lttng "$mxl_lttng_error"
	exit 1
fi
tr=$(cached_trace usr1-4t -t 4 -n 60000 -s 11) || {
	fail stats.record "recording failed: $(tail -3 "$MUXVIEW_TRACES/usr1-4t.log")"
	exit 1
}
leg=$(cached_trace legacy-4t -m legacy -t 4 -n 60000 -s 11) || {
	fail stats.record_legacy "recording failed"
	exit 1
}
rc=0
bt=$(mktemp)
babeltrace2 "$tr" >"$bt"

# per-name counts
want=$(sed -nE 's/.* (muxlab:[a-z_]+): .*/\1/p' "$bt" | sort | uniq -c |
       awk '{print $2, $1}')
got=$("$MUXVIEW" --stats "$tr" | awk '/^events by name/{on=1; next}
	on && /^  total/{exit} on && NF==2 {print $1, $2}')
if [ -n "$want" ] && [ "$want" = "$got" ]; then
	pass stats.counts_by_name
else
	fail stats.counts_by_name "babeltrace2: $(echo $want) / muxview: $(echo $got)"
	rc=1
fi

# muxview merges the per-CPU stream files by time itself (reader.c, its
# sink has a port per stream): every event comes in timestamp order
ns=$(find "$tr" -type f -size +0 ! -name metadata ! -name '*.idx' ! -name '.*' | wc -l)
if "$MUXVIEW" --stats "$tr" | grep -q "out of timestamp order"; then
	fail stats.streams_merged_in_order "$("$MUXVIEW" --stats "$tr" | grep order)"
	rc=1
else
	pass stats.streams_merged_in_order
	[ "$ns" -ge 2 ] || echo "note: one stream file only: nothing to merge"
fi

# total, and io_cb per path, per thread
tot=$(wc -l <"$bt")
mtot=$("$MUXVIEW" --stats "$tr" | awk '/^  total/{print $2; exit}')
[ "$tot" = "$mtot" ] && pass stats.total ||
	{ fail stats.total "babeltrace2 $tot, muxview $mtot"; rc=1; }
for t in 0 1 2 3; do
	for p in fast locked; do
		n=$(grep 'muxlab:io_cb:' "$bt" | grep -c "{ tid = $t, .*path = ( \"$p\"")
		m=$("$MUXVIEW" --stats "$tr" |
		    awk -v p="io_cb $p" -v c=$((t + 2)) '$0 ~ "^  "p" " {
			sub("^  "p" +", ""); split($0, a, " +"); print a[c-1]; exit }')
		if [ "$n" != "$m" ]; then
			fail stats.io_cb_${p}_T$t "babeltrace2 $n, muxview $m"
			rc=1
		fi
	done
done
[ $rc -eq 0 ] && pass stats.io_cb_per_thread
n=$(grep -E 'muxlab:lock(_acquire)?:' "$bt" | grep -c 'ok = 1')
m=$("$MUXVIEW" --stats "$tr" | awk '/^  lock acquisitions/{print $NF; exit}')
[ "$n" = "$m" ] && pass stats.lock_acquisitions ||
	{ fail stats.lock_acquisitions "babeltrace2 $n, muxview $m"; rc=1; }
n=$(grep -c 'muxlab:takeover:.*ok = 1' "$bt")
m=$("$MUXVIEW" --stats "$tr" | awk '/^  steals in/{print $NF; exit}')
[ "$n" = "$m" ] && pass stats.steals ||
	{ fail stats.steals "babeltrace2 $n, muxview $m"; rc=1; }

# two traces side by side
cmp=$("$MUXVIEW" --stats "$leg" "$tr")
if echo "$cmp" | grep -q 'A:legacy' && echo "$cmp" | grep -q 'B:usr1' &&
   echo "$cmp" | grep -qE '^  io_cb locked +[0-9]+ +[0-9]+ +0\.[0-9]+'; then
	pass stats.compare_legacy_usr1
else
	fail stats.compare_legacy_usr1 "no legacy/usr1 columns with a ratio"
	rc=1
fi
rm -f "$bt"
exit $rc
