#!/usr/bin/env bash
# ex01_read_trace.sh - exercise 01's grader (answers read from the shipped
# traces), proven both ways:
#   - the key (exercises/01-read-trace/key/answers.txt) gets full marks,
#     and so do right answers written in other accepted forms (T1 for a
#     thread, another idle wakeup, 3 decimals, "event #N", "conn=N",
#     thousands commas, a key in capitals with blanks around its colon, a
#     "key: ?" line left above the answer, DOS line ends);
#   - the template gets 0 with exit 1;
#   - each question's check FAILs, naming the wrong key, on answers built
#     to break it: the first key of every question wrong in one run, the
#     last key in another, plus the traps (a stolen tasklet's locked io_cb
#     given as an idle wakeup, a ratio 0.01 off (2.04 for 2.0333: not
#     rounded right), a word for a number).
# The wrong values are derived here from the key and the traces (value+1,
# an event found with babeltrace2), never stored.
# timeout: 120
. "$(dirname "$0")/common.bash"

have babeltrace2 || { fail "ex01: babeltrace2 not installed (make deps)"; exit 1; }
ex=$top/exercises/01-read-trace
keyf=$ex/key/answers.txt

# grade FILE LOG: lab/grade 01 --answers FILE; sets rc and sc ("x/y")
grade() {
	(cd "$top" && lab/grade 01 --answers "$1") >"$2" 2>&1
	rc=$? sc=$(sed -n 's/^Score: //p' "$2" | tail -n 1)
}

# key_of KEY: the key's answer to KEY (as written)
key_of() { sed -n "s/^$1:[[:space:]]*//p" "$keyf" | head -n 1 | sed 's/[[:space:]]#.*//'; }

# set_ans FILE KEY VALUE: FILE with KEY's answer replaced by VALUE
set_ans() { sed -i "s|^$2:.*|$2: $3|" "$1"; }

# plus1 VALUE: "#3786" -> "#3787", "2.03" -> "3.03", "T0" -> "T1"
plus1() {
	case $1 in
	\#*) echo "#$(( ${1#\#} + 1 ))" ;;
	*.*) awk -v v="$1" 'BEGIN { printf "%.2f\n", v + 1 }' ;;
	locked) echo fast ;;
	fast) echo locked ;;
	*) echo "$(( $1 + 1 ))" ;;
	esac
}

# plus1_desc RUN KEY: how KEY was made wrong in RUN (for the PASS line)
plus1_desc() {
	case $1.$2 in
	first.idle_wake.event) echo "the locked io_cb of a stolen tasklet, #$stolen_io" ;;
	first.locks_per_req.usr1) echo "0.01 off" ;;
	last.locks_per_req.legacy) echo "a word" ;;
	*) echo "$(key_of "$2") -> $(plus1 "$(key_of "$2")")" ;;
	esac
}

# the questions: check name prefix | its keys, in the order of answers.txt
questions=(
	"Q1|steal.event steal.conn steal.old_tl steal.from steal.to"
	"Q2|old_tl.path old_tl.freed_event old_tl.freed_thread"
	"Q3|front_locked.usr1 front_locked.legacy"
	"Q4|locks_per_req.usr1 locks_per_req.legacy"
	"Q5|locked.total locked.stolen"
	"Q6|idle_wake.event idle_wake.conn"
	"Q7|legacy_steal.event legacy_steal.freed_event"
	"Q8|h2.avail_inserts h2.safe_inserts"
	"Q9|h2.most_stolen.conn h2.most_stolen.times"
)

# 1. the key: full marks
t0=$SECONDS
grade "$keyf" "$tmp/key.log"
if [ $rc = 0 ] && [ "$sc" = 100/100 ]; then
	pass "ex01: the key gets full marks ($sc, $((SECONDS - t0)) s)"
else
	fail "ex01: the key: exit $rc, score '$sc'"
	grep 'FAIL' "$tmp/key.log" | head -5 | sed 's/^/    /'
fi

# 2. the template: 0, exit 1
grade "$ex/answers.txt" "$tmp/template.log"
if [ $rc = 1 ] && [ "${sc%/*}" = 0 ]; then
	pass "ex01: the template gets 0 with exit 1"
else
	fail "ex01: the template: exit $rc, score '$sc' (want 0, exit 1)"
fi

# events of default-usr1, numbered as muxview does (line - 1)
bt=$tmp/usr1.txt
babeltrace2 "$top/traces/default-usr1" 2>/dev/null | grep ' muxlab:' >"$bt"
# the locked io_cb of the first stolen tasklet (the io_cb before its
# io_cb_stolen): a locked back io_cb that is NOT an idle wakeup
stolen_tl=$(key_of steal.old_tl)
stolen_io=$(grep -n " muxlab:io_cb: .* tl = $stolen_tl, " "$bt" |
	grep 'path = ( "locked"' | tail -n 1 | cut -d: -f1)
stolen_io=$((stolen_io - 1))
# another idle wakeup than the key's: a locked back io_cb whose conn
# leaves its list with reason io right after (same thread, 3 events)
alt=$(awk -v keyev="$(key_of idle_wake.event | tr -d '#')" '
	/ muxlab:io_cb: / && /path = \( "locked"/ && /side = \( "back"/ {
		c = $0; sub(/.* conn = /, "", c); sub(/,.*/, "", c)
		cand = NR - 1; cconn = c; left = 4; next }
	left > 0 { left--
		if (/ muxlab:idle_remove: / && /reason = \( "io"/ &&
		    index($0, " conn = " cconn ",") && cand != keyev) {
			print cand, cconn; exit } }' "$bt")

# 3. right answers in other forms: full marks
cp "$keyf" "$tmp/forms.txt"
set_ans "$tmp/forms.txt" steal.from "T$(key_of steal.from)"
set_ans "$tmp/forms.txt" steal.to "thread $(key_of steal.to)"
set_ans "$tmp/forms.txt" old_tl.path "LOCKED"
set_ans "$tmp/forms.txt" steal.event "$(key_of steal.event | tr -d '#')  # no hash"
set_ans "$tmp/forms.txt" locks_per_req.usr1 "$(awk -v v="$(key_of locks_per_req.usr1)" 'BEGIN { printf "%.3f", v + 0.004 }')"
set_ans "$tmp/forms.txt" old_tl.freed_event "event $(key_of old_tl.freed_event)"
set_ans "$tmp/forms.txt" h2.most_stolen.conn "conn=$(key_of h2.most_stolen.conn)"
set_ans "$tmp/forms.txt" h2.most_stolen.times "$(key_of h2.most_stolen.times) times"
v=$(key_of front_locked.legacy)
[ "$v" -ge 1000 ] 2>/dev/null && v=$(printf "%d,%03d" $((v / 1000)) $((v % 1000)))
set_ans "$tmp/forms.txt" front_locked.legacy "$v"
sed -i "s|^steal.conn:\(.*\)|steal.conn: ?\n  STEAL.CONN :\1|" "$tmp/forms.txt"
if [ -n "$alt" ]; then
	set_ans "$tmp/forms.txt" idle_wake.event "#${alt% *}"
	set_ans "$tmp/forms.txt" idle_wake.conn "${alt#* }"
fi
sed -i 's/$/\r/' "$tmp/forms.txt"
grade "$tmp/forms.txt" "$tmp/forms.log"
if [ $rc = 0 ] && [ "$sc" = 100/100 ] && [ -n "$alt" ]; then
	pass "ex01: other forms of right answers (T1, 'thread 1', LOCKED, 3 decimals, 'event N', 'conn=N', 'N times', '$v', a '?' line above ' STEAL.CONN :', DOS line ends, another idle wakeup #${alt% *}) get full marks"
else
	fail "ex01: other forms of right answers: exit $rc, score '$sc' (alternative idle wakeup: '${alt:-none found}')"
	grep 'FAIL' "$tmp/forms.log" | head -5 | sed 's/^/    /'
fi

# 4. wrong answers: in run "first", the first key of every question is
# wrong; in run "last", the last one. Each question's check must FAIL and
# name that key.
for which in first last; do
	f=$tmp/wrong-$which.txt
	cp "$keyf" "$f"
	declare -A wrong_key=()
	for q in "${questions[@]}"; do
		name=${q%%|*} keys=(${q#*|})
		if [ $which = first ]; then k=${keys[0]}; else k=${keys[${#keys[@]} - 1]}; fi
		wrong_key[$name]=$k
		v=$(plus1 "$(key_of "$k")")
		# the traps
		case $which.$k in
		first.idle_wake.event) v="#$stolen_io" ;;	# a stolen tasklet's io_cb
		first.locks_per_req.usr1)
			v=$(awk -v v="$(key_of "$k")" 'BEGIN { printf "%.2f", v + 0.01 }') ;;
		last.locks_per_req.legacy) v=many ;;
		esac
		set_ans "$f" "$k" "$v"
	done
	grade "$f" "$tmp/wrong-$which.log"
	[ $rc = 1 ] || fail "ex01: answers with the $which key of each question wrong: exit $rc (want 1)"
	for q in "${questions[@]}"; do
		name=${q%%|*} k=${wrong_key[${q%%|*}]}
		line=$(grep -E "^== Test $name " "$tmp/wrong-$which.log")
		if [[ $line == *"== FAIL"* ]] && [[ $line == *"'$k'"* ]]; then
			pass "ex01: $name catches a wrong '$k' ($(plus1_desc "$which" "$k"))"
		else
			fail "ex01: $name does not catch a wrong '$k': ${line:-no such check}"
		fi
	done
	unset wrong_key
done
# a TEST filter that names no check: a usage error, not a score of 0/0
(cd "$top" && lab/grade 01 --answers "$keyf" no-such-check) >"$tmp/filter.log" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "has 'no-such-check' in its name" "$tmp/filter.log" &&
   ! grep -q '^Score:' "$tmp/filter.log"; then
	pass "ex01: a TEST that names no check is refused (exit 2)"
else
	fail "ex01: lab/grade 01 no-such-check: exit $rc: $(tail -n 1 "$tmp/filter.log")"
fi
# graded in muxlab's own tree (no EXERCISE.md): the note saying so comes
# just before the score
grade "$keyf" "$tmp/note.log"
if [ -f "$top/EXERCISE.md" ] ||
   grep -B3 '^Score:' "$tmp/note.log" | grep -q "^Note: this is muxlab itself"; then
	pass "ex01: graded in muxlab's tree, the report says it is not a handout"
else
	fail "ex01: no 'this is muxlab itself' note before the score"
fi
# the handout gives no answer away: no figure of the key of 100 or more
# (event numbers, counts) in its text files (traces/INDEX.md describes
# the three traces with those figures; handout.sh drops them), and its
# INDEX.md still has every trace's row for traces/verify.sh
if [ -f "$top/EXERCISE.md" ]; then
	pass "ex01: (a handout: the handout leak check runs in muxlab's tree)"
elif ! (cd "$top" && lab/handout 01 "$tmp/h01") >"$tmp/h01.log" 2>&1; then
	fail "ex01: lab/handout 01 failed: $(tail -n 1 "$tmp/h01.log")"
else
	# every text file of the handout: a key value of 100 or more as a
	# number; a smaller one (above 1) as an id or a count ("conn=76",
	# "tl 77", "37 times", "18 (0.6 %)")
	leaks=""
	for v in $(sed -n 's/^[a-z0-9_.]*:[[:space:]]*#\{0,1\}\([0-9][0-9]*\)\([[:space:]].*\)\{0,1\}$/\1/p' "$keyf" | sort -un); do
		if [ "$v" -ge 100 ]; then
			pat="(^|[^0-9.])$v([^0-9.]|\$)"
		elif [ "$v" -ge 2 ]; then
			pat="(conn|tl|old_tl)[ =]$v([^0-9]|\$)|(^|[^0-9.])$v (times|\\()"
		else
			continue
		fi
		hit=$(cd "$tmp/h01" && grep -rIlE --exclude-dir=.git "$pat" . | head -n 1)
		[ -z "$hit" ] || leaks="$leaks $v in ${hit#./};"
	done
	rows=$(grep -c '^| `' "$tmp/h01/traces/INDEX.md")
	if [ -z "$leaks" ] && [ "$rows" = "$(grep -c '^| `' "$top/traces/INDEX.md")" ]; then
		pass "ex01: the handout holds none of the key's figures (traces/INDEX.md trimmed, $rows rows kept)"
	else
		fail "ex01: the handout gives answers away:${leaks:- none, but INDEX.md has $rows rows}"
	fi
	# built to break it: the untrimmed INDEX.md holds them
	v=$(key_of steal.event | tr -d '#')
	grep -qE "(^|[^0-9.])$v([^0-9.]|\$)" "$top/traces/INDEX.md" &&
		pass "ex01: the leak check finds $v in muxlab's own traces/INDEX.md" ||
		fail "ex01: the leak check cannot fail: $v is not in traces/INDEX.md"
fi
echo "ex01: $((SECONDS - t0)) s in all"
exit $((nfail > 0))
