#!/usr/bin/env bash
# Bad input: each case gets one clear message naming the problem, exit
# status 2, no crash; in every mode (--stats, --check, --dump, --svg).
# A --size below the screen's minimum is a usage error naming it.
. "$(dirname "$0")/lib.sh"
rc=0
work=$(mktemp -d)
trap 'rm -rf "$work"; cleanup_lttng' EXIT

# expect NAME PATTERN TRACE: every mode exits 2 with PATTERN on stderr
expect() {
	local name=$1 pat=$2 tr=$3 mode out st bad=
	for mode in --stats --check --dump "--svg $work/x.svg"; do
		out=$("$MUXVIEW" $mode "$tr" 2>&1 >/dev/null); st=$?
		if [ $st -ne 2 ]; then
			bad="$mode exit $st"
		elif ! echo "$out" | grep -q "$pat"; then
			bad="$mode said: $(echo "$out" | head -2)"
		elif [ "$(echo "$out" | grep -c '^muxview: ')" -ne 1 ]; then
			bad="$mode: not one message: $(echo "$out" | head -3)"
		fi
		[ -n "$bad" ] && break
	done
	if [ -z "$bad" ]; then
		pass "badinput.$name"
	else
		fail "badinput.$name" "$bad"
		rc=1
	fi
}

expect missing_path 'No such file or directory' "$work/nope"
# ...and its fix says how muxlab records a trace (lab/record) and where
# the shipped ones are, not a bare `lttng create`
out=$("$MUXVIEW" --check "$work/nope" 2>&1); st=$?
if [ $st -eq 2 ] && echo "$out" | grep -q 'the path does not exist' &&
   echo "$out" | grep -q 'fix:.*lab/record.*traces/' &&
   ! echo "$out" | grep -q 'lttng create'; then
	pass badinput.missing_path_fix
else
	fail badinput.missing_path_fix "exit $st: $(echo "$out" | tr '\n' '|')"
	rc=1
fi
mkdir "$work/empty"
expect empty_dir 'no CTF trace here' "$work/empty"
echo hello >"$work/file"
expect not_a_trace 'no CTF trace here' "$work/file"

# --size below the screen's minimum is a usage error naming the minimum
# (it used to print a cut "terminal too small" screen and exit 0); the
# minimum itself draws lanes
bad=
for sz in 10x5 40x6 19x8 20x7; do
	out=$("$MUXVIEW" --dump --size $sz "$top/traces/default-usr1" 2>&1 \
	      >/dev/null); st=$?
	if [ $st -ne 2 ] || ! echo "$out" | grep -q "^muxview: --size $sz: .*at least 20x8"; then
		bad="--size $sz: exit $st, '$out'"
		break
	fi
done
d=$("$MUXVIEW" --dump --size 20x8 "$top/traces/default-usr1" 2>&1); st=$?
[ -z "$bad" ] && { [ $st -ne 0 ] || ! echo "$d" | grep -q '^>T0'; } &&
	bad="--size 20x8: exit $st, no lanes: $(echo "$d" | head -3 | tr '\n' '|')"
if [ -z "$bad" ]; then
	pass badinput.size_below_minimum
else
	fail badinput.size_below_minimum "$bad"
	rc=1
fi

if ! need_lttng; then
	fail badinput.lttng "$mxl_lttng_error"
	exit 1
fi
tr=$(cached_trace usr1-4t -t 4 -n 60000 -s 11) || exit 1
stream=$(cd "$tr" && find . -name 'ch_0' | head -1)
meta=$(cd "$tr" && find . -name metadata | head -1)

cp -r "$tr" "$work/trunc"
sz=$(stat -c %s "$work/trunc/$stream")
truncate -s $((sz / 2 + 1001)) "$work/trunc/$stream"
expect truncated 'truncated or corrupt' "$work/trunc"

cp -r "$tr" "$work/cmeta"
printf 'event { name = ; garbage' | dd of="$work/cmeta/$meta" bs=1 seek=200 \
	conv=notrunc 2>/dev/null
expect corrupt_metadata 'corrupt' "$work/cmeta"

cp -r "$tr" "$work/cdata"
head -c 4000 /dev/urandom | dd of="$work/cdata/$stream" bs=1 seek=6000 \
	conv=notrunc 2>/dev/null
expect corrupt_data 'truncated or corrupt' "$work/cdata"

d=$MUXVIEW_TRACES/foreign
if [ -f "$d/.done" ] || { record_trace "$d" --events 'lttng_ust_tracef:*' \
		-- --foreign -n 200 && touch "$d/.done"; }; then
	expect foreign_app 'not a muxlab trace.*lttng_ust_tracef' "$d"
else
	fail badinput.foreign_app "recording failed"; rc=1
fi
d=$MUXVIEW_TRACES/novtid
if [ -f "$d/.done" ] || { record_trace "$d" --ctx none -- -t 2 -n 2000 &&
		touch "$d/.done"; }; then
	expect no_vtid 'without the vtid context' "$d"
	"$MUXVIEW" --check "$d" 2>&1 | grep -q 'lttng add-context -u -t vtid' ||
		{ fail badinput.no_vtid_fix "no lttng command in the message"; rc=1; }
else
	fail badinput.no_vtid "recording failed"; rc=1
fi

# events discarded: readable, but --check is inconclusive and the loss shows
d=$MUXVIEW_TRACES/discard
if [ -f "$d/.done" ] || { record_trace "$d" --tiny -- -t 2 -n 200000 &&
		touch "$d/.done"; }; then
	out=$("$MUXVIEW" --check "$d"); st=$?
	disc=$("$MUXVIEW" --stats "$d" | sed -nE 's/.*discarded: ([0-9]+).*/\1/p')
	if [ "${disc:-0}" -eq 0 ]; then
		pass badinput.discarded_none_lost
	elif [ $st -eq 2 ] && echo "$out" | grep -q INCONCLUSIVE &&
	     "$MUXVIEW" --dump "$d" | grep -qE '^ +(lock|marks)\|.*!'; then
		pass badinput.discarded_inconclusive
	else
		fail badinput.discarded_inconclusive "exit $st, $disc lost, no ! marker"
		rc=1
	fi
else
	fail badinput.discarded "recording failed"; rc=1
fi

# usage errors
ok=1
for args in "" "--at x $tr" "--size 3 --dump $tr" "--stats --check $tr" \
	    "--event 99999999 --dump $tr" "--follow 0 $tr" "--bogus $tr"; do
	"$MUXVIEW" $args >/dev/null 2>&1; st=$?
	if [ $st -ne 2 ]; then
		fail badinput.usage "muxview $args: exit $st"
		rc=1 ok=0
	fi
done
[ $ok -eq 1 ] && pass badinput.usage_errors
# a usage error keeps its message on screen: two lines, not the help
"$MUXVIEW" --bogus "$tr" >/dev/null 2>"$work/err"
if [ "$(wc -l <"$work/err")" -le 2 ] && grep -q "unrecognized option" \
   "$work/err" && grep -q -- "--help" "$work/err"; then
	pass badinput.usage_short
else
	fail badinput.usage_short "muxview --bogus: $(head -c 300 "$work/err")"
	rc=1
fi
"$MUXVIEW" "$tr" </dev/null >/dev/null 2>"$work/err"; st=$?
[ $st -eq 2 ] && grep -q 'needs a terminal' "$work/err" &&
	pass badinput.no_terminal ||
	{ fail badinput.no_terminal "exit $st"; rc=1; }
exit $rc
