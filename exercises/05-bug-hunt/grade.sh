# exercise 05 - bug hunt. Sourced by lab/grade.
#
# Graded from answers.txt and the trace this handout ships
# (exercises/05-bug-hunt/trace/, recorded from this handout's own code):
#   - the broken invariant and its first bad event are computed here, by
#     `muxview --check -v` on that trace: nothing about them is stored;
#   - the function and the line of the mistake are compared with the
#     sha256 hashes in exercises/05-bug-hunt/answer-hashes, written when
#     the handout was made (the answers themselves are not in the handout).
# In the reference tree (no variant, no hashes, no trace) there is nothing
# to grade: make a handout (lab/handout 05 DIR --variant Bn) and grade
# there.

b5_dir=$ex_dir
b5_trace=$b5_dir/trace
b5_hashes=$b5_dir/answer-hashes
b5_afile=${answers_file:-$b5_dir/answers.txt}

if [ ! -f "$b5_dir/variant" ] || [ ! -f "$b5_hashes" ]; then
	echo "exercise 05 is graded in a handout only: this tree has no planted"
	echo "bug (no $(_rel "$b5_dir")/variant). Make one and grade it there:"
	echo "    lab/handout 05 /tmp/ex05 --variant B1 && cd /tmp/ex05 && lab/grade 05"
	echo "(the key answers of each variant: exercises/05-bug-hunt/key/answers-Bn.txt)"
	exit 2
fi
echo "variant $(cat "$b5_dir/variant"); answers: $(_rel "$b5_afile")"

# b5_answer KEY: the answer to KEY, lower case, "" if none or "?"
# (gradelib's answers_table: any key case, DOS line ends, notes after a
# blank and "#")
b5_answer() {
	answers_table "$b5_afile" |
		awk -F'\t' -v k="$1" '$1 == k { print tolower($2); exit }'
}

# b5_invariant: the 'invariant' answer as a number ("3", "inv3",
# "invariant 3", "03"), or as written if it is not one
b5_invariant() {
	local v
	v=$(b5_answer invariant)
	v=${v#invariant}
	v=${v#inv}
	v=${v#"${v%%[![:space:]#]*}"}
	[[ $v =~ ^[0-9]+$ ]] && v=$((10#$v))
	echo "$v"
}

# b5_hash VALUE: as handout.sh hashes an accepted answer
b5_hash() { printf 'muxlab-05:%s' "$1" | sha256sum | cut -c1-64; }

# b5_check: muxview --check -v on the shipped trace, once; sets
# $b5_checkout (its output file). Fails if it cannot say.
b5_check() {
	local c
	if [ ! -d "$b5_trace" ]; then
		why="no trace in $(_rel "$b5_trace") (the handout ships one)"
		return 1
	fi
	need_build || return 1
	c=$(_cache "$b5_trace")
	b5_checkout=$c.check
	if [ ! -s "$c.check" ]; then
		"$top/$build/muxview" --check -v "$b5_trace" >"$c.check" 2>&1
		echo $? >"$c.check.rc"
	fi
	case $(cat "$c.check.rc") in
	1) return 0 ;;
	0) why="muxview --check finds no violation in $(_rel "$b5_trace"): not the trace this handout shipped?"
	   return 1 ;;
	*) why="muxview --check cannot read $(_rel "$b5_trace"): $(grep -m1 -v '^trace:' "$c.check")"
	   show="$build/muxview --check $(_rel "$b5_trace")"
	   return 1 ;;
	esac
}

# b5_broken: the invariants the trace breaks, one per line
b5_broken() {
	sed -n 's/^invariant \([0-9][0-9]*\) .*FAIL.*/\1/p' "$b5_checkout"
}

# b5_first N: the first event at which invariant N is broken
b5_first() {
	sed -n "s/^VIOLATION inv$1 event #\([0-9][0-9]*\) .*/\1/p" "$b5_checkout" |
		sort -n | head -n 1
}

t_invariant() {
	local got
	b5_check || return 1
	got=$(b5_invariant)
	if [ -z "$got" ]; then
		why="no answer to 'invariant' in $(_rel "$b5_afile")"
		return 1
	fi
	if ! [[ $got =~ ^[0-9]+$ ]]; then
		why="'invariant': answer its number (1-7, docs/trace-events.md), not '$got'"
		return 1
	fi
	b5_broken | grep -qx "$got" && return 0
	why="'invariant': invariant $got holds in this trace (run muxview --check on it)"
	show="$build/muxview --check $(_rel "$b5_trace")"
	return 1
}

t_first() {
	local inv got want
	b5_check || return 1
	inv=$(b5_invariant)
	got=$(b5_answer first_event)
	if [ -z "$got" ]; then
		why="no answer to 'first_event' in $(_rel "$b5_afile")"
		return 1
	fi
	if [ -z "$(ans_int "$got")" ]; then
		why="'first_event': answer an event number (#N or N), not '$got'"
		return 1
	fi
	got=$(ans_int "$got")
	if ! [[ $inv =~ ^[0-9]+$ ]] || ! b5_broken | grep -qx "$inv"; then
		why="'first_event': it is checked against the invariant you name, and 'invariant' is not right yet"
		return 1
	fi
	want=$(b5_first "$inv")
	[ "$got" = "$want" ] && return 0
	why="'first_event': #$got is not the first event that breaks invariant $inv"
	show="$build/muxview --event $got $(_rel "$b5_trace")"
	return 1
}

t_function() {
	local got
	got=$(b5_answer function)
	if [ -z "$got" ]; then
		why="no answer to 'function' in $(_rel "$b5_afile")"
		return 1
	fi
	# "name()", "name ()", "static void name(struct
	# conn *c)": the name before the parenthesis
	got=${got%%(*}
	got=${got%"${got##*[![:space:]]}"}
	got=${got##*[[:space:]*]}
	if ! [[ $got =~ ^[a-z_][a-z0-9_]*$ ]]; then
		why="'function': answer a function name, like my_function (not '$(b5_answer function)')"
		return 1
	fi
	grep -qx "function $(b5_hash "$got")" "$b5_hashes" && return 0
	why="'function': the mistake is not in $got()"
	return 1
}

t_line() {
	local got f n
	got=$(b5_answer line)
	if [ -z "$got" ]; then
		why="no answer to 'line' in $(_rel "$b5_afile")"
		return 1
	fi
	got=${got//[[:space:]]/}	# "src/mux_h1.c: 123"
	f=${got%:*} n=${got##*:}
	if [ "$f" = "$got" ] || ! [[ $n =~ ^[0-9]+$ ]]; then
		why="'line': answer file:line, like src/mux_h1.c:123 (not '$(b5_answer line)')"
		return 1
	fi
	n=$((10#$n))
	# src/F, ./src/F, F, or a path that ends in /src/F: a file of src/
	f=/${f#./}
	case $f in
	*/src/*) f=${f##*/src/}; [[ $f != */* ]] || f=none/ ;;
	/*/*) f=none/ ;;
	*) f=${f#/} ;;
	esac
	if [ ! -f "$top/src/$f" ]; then
		why="'line': there is no such file in src/ ('$(b5_answer line)': the mistake is in this handout's src/)"
		return 1
	fi
	grep -qx "line $(b5_hash "$f:$n")" "$b5_hashes" && return 0
	why="'line': the mistake is not at (or within 2 lines of) src/$f:$n"
	return 1
}

grade_test "build" 5 need_build
grade_test "the broken invariant (invariant)" 20 t_invariant
grade_test "its first bad event (first_event)" 20 t_first
grade_test "the function of the mistake (function)" 25 t_function
grade_test "the line of the mistake (line)" 30 t_line
