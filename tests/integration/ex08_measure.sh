#!/usr/bin/env bash
# timeout: 300
# ex08_measure.sh - exercise 08 (measure it) is graded from written
# answers about traces the student records, so its grader is proven here
# rather than by exercises.sh:
#   - the key (exercises/08-measure/key/solve.sh, 1 s recordings, thread
#     counts 1 and 2) gets full marks, exit 0;
#   - the answers template gets less than full marks, exit 1;
#   - a figure rounded to 2 decimals is accepted, one 1 % off fails the
#     figure's check and names the key; wrong answers to both questions
#     are caught; right answers in other forms are accepted, a hedged
#     letter is not;
#   - a trace of another scenario (a shipped one) and a folder of two
#     recordings are refused;
#   - a trace of the other mode, or of the other nbthread, fails "its mode
#     and nbthread";
#   - one trace named twice, or a copy of a trace named as another run,
#     fails "a recording of its own";
#   - a handout of exercise 08 has no key/.
# About 60 s on an idle 2-core machine: four 1 s recordings, six gradings.
. "$(dirname "$0")/common.bash"
need_muxlab ex08_measure
for t in lttng lttng-sessiond babeltrace2; do
	have $t || { fail "ex08_measure: $t not installed (make deps)"; exit 1; }
done
ensure_sessiond || { fail "ex08_measure: no LTTng session daemon"; exit 1; }
[ -x "$muxview" ] || { fail "ex08_measure: $muxview is not built (make)"; exit 1; }

ex=$top/exercises/08-measure
export GRADE_NPROC=2		# thread counts 1 and 2 on any machine
export BUILD=${BUILD:-build}

# ---- the key
if ! "$ex/key/solve.sh" --duration 1 --out "$tmp/key" >"$tmp/solve.out" \
	2>"$tmp/solve.err"; then
	fail "ex08_measure: key/solve.sh failed: $(tail -n 2 "$tmp/solve.err" | tr '\n' ' ')"
	exit 1
fi
key=$(tail -n 1 "$tmp/solve.out")
cat "$key"

# grade NAME ANSWERS: lab/grade 08 on ANSWERS, output in $tmp/NAME.out,
# exit status in $rc, score in $score, max in $max
grade() {
	"$top/lab/grade" 08 --answers "$2" >"$tmp/$1.out" 2>&1
	rc=$?
	score=$(sed -n 's/^Score: \([0-9]*\)\/.*/\1/p' "$tmp/$1.out")
	max=$(sed -n 's/^Score: [0-9]*\/\([0-9]*\).*/\1/p' "$tmp/$1.out")
	echo "---- $1 (exit $rc)"
	cat "$tmp/$1.out"
}
# test_line NAME TEST: the grader's line for the check named TEST
test_line() { grep -F "== Test $2 ==" "$tmp/$1.out"; }
# variant NAME SED: the key with SED applied to it
variant() {
	sed "$2" "$key" >"$tmp/$1.txt"
	cmp -s "$key" "$tmp/$1.txt" && echo "ex08_measure: variant $1 changed nothing" >&2
	echo "$tmp/$1.txt"
}
# val KEY: the key's answer to KEY
val() { sed -n "s/^$1: *//p" "$key"; }

T_KIND="each trace is its mode and nbthread, no bug mode"
T_OWN="each trace is a recording of its own"
T_LOCK="lock acquisitions per request (lock_per_req)"

# 1. the key: full marks
grade key "$key"
if [ $rc = 0 ] && [ -n "$score" ] && [ "$score" = "$max" ] && [ "$max" = 100 ]; then
	pass "ex08_measure: the key gets full marks ($score/$max)"
else
	fail "ex08_measure: the key gets $score/$max, exit $rc: $(grep -m1 'FAIL' "$tmp/key.out")"
fi

# 2. the template: less than full marks, exit 1
grade template "$ex/answers.txt"
if [ $rc = 1 ] && [ -n "$score" ] && [ "$score" -lt "$max" ]; then
	pass "ex08_measure: the template gets $score/$max, exit 1"
else
	fail "ex08_measure: the template gets $score/$max, exit $rc"
fi

# 3. figures and questions, in one grading: a figure rounded to 2
# decimals is accepted, one 1 % off is named (it was accepted when the
# tolerance was 2 %), wrong answers to both questions are caught
v1=$(val lock_per_req.usr1.t1) v2=$(val lock_per_req.usr1.t2)
near=$(awk -v v="$v1" 'BEGIN { printf "%.2f", v }')
far=$(awk -v v="$v2" 'BEGIN { printf "%.4f", v * 1.01 + 0.01 }')
case $(val pays_off) in a) p=b ;; *) p=a ;; esac
sf=$(awk -v v="$(val saved_front)" 'BEGIN { printf "%.2f", v + 0.05 }')
grade figures "$(variant figures "s/^lock_per_req.usr1.t1: .*/lock_per_req.usr1.t1: $near/
s/^lock_per_req.usr1.t2: .*/lock_per_req.usr1.t2: $far/
s/^pays_off: .*/pays_off: $p/; s/^saved_front: .*/saved_front: $sf/")"
line=$(test_line figures "$T_LOCK")
if [ $rc = 1 ] && [[ $line == *"FAIL (0/15)"*"lock_per_req.usr1.t2"*"too high"* ]] &&
   [[ $line != *"usr1.t1"* ]] && [ "$score" = $((max - 30)) ]; then
	pass "ex08_measure: a figure 1 % off is caught, one rounded to 2 decimals accepted: $line"
else
	fail "ex08_measure: figures $near for $v1 (rounded), $far for $v2 (1 % off): exit $rc, $score/$max, '$line'"
fi
for q in "pays_off:when the commit pays off (pays_off):does not match your own" \
	 "saved_front:locked io_cb saved per request, front and back (saved_front, saved_back):too high"; do
	k=${q%%:*} r=${q#*:} name=${r%:*} want=${r##*:}
	line=$(test_line figures "$name")
	if [[ $line == *"FAIL"*"'$k'"*"$want"* ]]; then
		pass "ex08_measure: a wrong $k is caught: $line"
	else
		fail "ex08_measure: a wrong $k: '$line'"
	fi
done

# 3b. right answers as a student may write them: a key in capitals after
# a "?" line, DOS line ends, "2,01", "99.51 %", "b." (accepted); a hedged
# letter "a b" (refused)
k=lock_per_req.legacy.t1
grade forms "$(variant forms "s/^$k: \(.*\)/$k: ?\n  LOCK_PER_REQ.LEGACY.T1 : \1/
s/^\(lock_per_req.usr1.t1: [0-9]*\)\.\([0-9]*\)/\1,\2/
s/^\(fast_share.usr1.t1: .*\)/\1 %/
s/^pays_off: \(.*\)/pays_off: \1./
s/\$/\r/")"
if [ "$score" = "$max" ]; then
	pass "ex08_measure: right answers in other forms ('?' line, key case, CRLF, '2,01', '99.5 %', 'b.') get full marks"
else
	fail "ex08_measure: right answers in other forms: $score/$max: $(grep -m1 FAIL "$tmp/forms.out")"
fi
grade hedge "$(variant hedge "s/^pays_off: \(.*\)/pays_off: \1 e/")"
line=$(test_line hedge "when the commit pays off (pays_off)")
[[ $line == *"FAIL"*"one letter"* ]] && pass "ex08_measure: a hedged pays_off ('x e') is refused" ||
	fail "ex08_measure: a hedged pays_off: '$line'"

# 4. a trace of the other mode, of the other nbthread
u2=$(val trace.usr1.t2) l2=$(val trace.legacy.t2) u1=$(val trace.usr1.t1)
l1=$(val trace.legacy.t1)
grade mode "$(variant mode "s|^trace.usr1.t2: .*|trace.usr1.t2: $l2|; s|^trace.legacy.t2: .*|trace.legacy.t2: $u2|")"
line=$(test_line mode "$T_KIND")
if [ $rc = 1 ] && [[ $line == *"FAIL"*"trace.usr1.t2 is a legacy run with nbthread 2"* ]] &&
   [[ $(test_line mode "$T_OWN") == *"OK"* ]]; then
	pass "ex08_measure: traces of the wrong mode are caught: $line"
else
	fail "ex08_measure: usr1/legacy traces swapped: exit $rc, '$line'"
fi
grade nbthread "$(variant nbthread "s|^trace.usr1.t1: .*|trace.usr1.t1: $u2|; s|^trace.usr1.t2: .*|trace.usr1.t2: $u1|")"
line=$(test_line nbthread "$T_KIND")
if [ $rc = 1 ] && [[ $line == *"FAIL"*"trace.usr1.t1 is a usr1 run with nbthread 2, not usr1 with nbthread 1"* ]]; then
	pass "ex08_measure: traces of the wrong nbthread are caught: $line"
else
	fail "ex08_measure: nbthread 1/2 traces swapped: exit $rc, '$line'"
fi

# 4b. a shipped trace of another scenario (exercise 01's, nbthread 2)
# named as a run, and a folder holding two recordings
grade shipped "$(variant shipped "s|^trace.usr1.t2: .*|trace.usr1.t2: traces/default-usr1|")"
line=$(test_line shipped "$T_KIND")
if [ $rc = 1 ] && [[ $line == *"FAIL"*"trace.usr1.t2 is a run of default-1k.cfg"*"not of a copy of measure.cfg"* ]]; then
	pass "ex08_measure: a trace of another scenario is caught: $line"
else
	fail "ex08_measure: traces/default-usr1 named as usr1.t2: exit $rc, '$line'"
fi
case $u1 in /*) src=$u1 ;; *) src=$top/$u1 ;; esac
mkdir -p "$tmp/two"
cp -a "$src" "$tmp/two/a"
cp -a "$src" "$tmp/two/b"
grade two "$(variant two "s|^trace.usr1.t1: .*|trace.usr1.t1: $tmp/two|")"
line=$(test_line two "a trace named for each mode and thread count")
[[ $line == *"FAIL"*"holds more than one recording"* ]] &&
	pass "ex08_measure: a folder of two recordings is refused" ||
	fail "ex08_measure: a folder of two recordings: '$line'"
# question 2 reads only the nbthread 2 traces: a bad t1 trace does not
# cost its points too
line=$(test_line two "locked io_cb saved per request, front and back (saved_front, saved_back)")
[[ $line == *"OK"* ]] &&
	pass "ex08_measure: a bad nbthread 1 trace does not fail question 2 (nbthread 2)" ||
	fail "ex08_measure: a bad nbthread 1 trace fails question 2: '$line'"

# 5. one recording named twice: the same path, and a copy
case $l1 in /*) src=$l1 ;; *) src=$top/$l1 ;; esac
cp -a "$src" "$tmp/copy-of-legacy-t1"
grade twice "$(variant twice "s|^trace.usr1.t2: .*|trace.usr1.t2: $u1|
s|^trace.legacy.t2: .*|trace.legacy.t2: $tmp/copy-of-legacy-t1|")"
line=$(test_line twice "$T_OWN")
if [ $rc = 1 ] && [[ $line == *"FAIL"*"trace.usr1.t1 and trace.usr1.t2 name the same trace"* ]]; then
	pass "ex08_measure: a trace named twice is caught"
else
	fail "ex08_measure: a trace named twice: exit $rc, '$line'"
fi
if [[ $line == *"FAIL"*"trace.legacy.t1 and trace.legacy.t2 are the same recording"*"copy-of-legacy-t1 have the same trace UUID"* ]]; then
	pass "ex08_measure: a copied trace is caught: $line"
else
	fail "ex08_measure: a copy of a trace: '$line'"
fi

# 6. the handout leaves the key with the lecturer
if "$top/lab/handout" 08 "$tmp/handout" >"$tmp/handout.out" 2>&1; then
	h=$tmp/handout/exercises/08-measure
	if [ -e "$h/key" ] || [ -e "$tmp/handout/tests/integration/ex08_measure.sh" ]; then
		fail "ex08_measure: the handout has the key or this test"
	elif [ -f "$h/grade.sh" ] && [ -f "$h/answers.txt" ] &&
	     [ -f "$h/scenarios/measure.cfg" ] && [ -f "$tmp/handout/EXERCISE.md" ]; then
		pass "ex08_measure: the handout has the exercise, not its key"
	else
		fail "ex08_measure: the handout lacks a file of the exercise"
	fi
else
	fail "ex08_measure: lab/handout 08 failed: $(tail -n 2 "$tmp/handout.out" | tr '\n' ' ')"
fi

[ $nfail = 0 ]
