#!/usr/bin/env bash
# ex05_bug_hunt.sh - exercise 05 (bug hunt), proven both ways:
#   - the key answers hold (key/refresh.sh: the patches apply, the
#     planted lines are found, the first events are the traces'; a line
#     moved by an edit above it is noted, and graded from a refreshed
#     copy);
#   - the reference tree is not graded (exit 2, says to make a handout);
#   - for each variant Bn of key/variants.txt, a handout (lab/handout 05
#     --variant Bn) has the mistake planted and none of the instructor
#     files, ships a trace whose run_start names no bug, builds, and gets
#     full marks with key/answers-Bn.txt;
#   - each check FAILs on answers built to break it: in every variant an
#     invariant that holds, another function, a line 40 lines away; in
#     the first one also the first event + 1 and the right line number in
#     another file (and "f()" is accepted for "f"); the template gets
#     5/100 (the build) with exit 1.
# The reference build directory is copied into each handout (with its
# times) so make recompiles only the patched file.
# timeout: 300
. "$(dirname "$0")/common.bash"

ex=$top/exercises/05-bug-hunt
key=$ex/key
[ -x "$muxview" ] || { fail "ex05: $muxview is not built (make)"; exit 1; }
t_all=$SECONDS

# grade DIR FILE LOG: lab/grade 05 in DIR with --answers FILE (none: the
# handout's answers.txt); sets rc and sc
grade() {
	if [ -n "$2" ]; then
		(cd "$1" && BUILD=build lab/grade 05 --answers "$2") >"$3" 2>&1
	else
		(cd "$1" && BUILD=build lab/grade 05) >"$3" 2>&1
	fi
	rc=$? sc=$(sed -n 's/^Score: //p' "$3" | tail -n 1)
}
key_of() { sed -n "s/^$2:[[:space:]]*//p" "$1" | head -n 1 | sed 's/[[:space:]]#.*//'; }
set_ans() { sed -i "s|^$2:.*|$2: $3|" "$1"; }
# check_is LOG NAME OK|FAIL [TEXT]: the check NAME's line says OK/FAIL
# (and holds TEXT)
check_is() {
	local line
	line=$(grep -E "^== Test $2 " "$1")
	[[ $line == *"== $3 "* ]] && [[ $line == *"${4:-}"* ]]
}

# 1. the key answers: the patches apply, the planted lines are found, the
# first events match the shipped traces. A planted line that moved (an
# edit above it) is only noted: the answers are graded from a refreshed
# copy (key/refresh.sh --out), and key/refresh.sh updates them.
keys=$tmp/keys
if out=$(BUILD=$build "$key/refresh.sh" --out "$keys" 2>&1); then
	pass "ex05: key answers match the patches and the traces (key/refresh.sh)"
	grep 'stale' <<<"$out" | sed 's/^/SKIP ex05: /'
else
	fail "ex05: key/refresh.sh:"
	grep -v 'up to date' <<<"$out" | sed 's/^/    /'
fi

# 2. the reference tree
(cd "$top" && lab/grade 05) >"$tmp/ref.log" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q 'graded in a handout only' "$tmp/ref.log"; then
	pass "ex05: the reference tree is not graded (exit 2: make a handout)"
else
	fail "ex05: lab/grade 05 in the reference tree: exit $rc"
	tail -n 3 "$tmp/ref.log" | sed 's/^/    /'
fi

mapfile -t variants < <(sed -n 's/^\(B[0-9][0-9]*\) *|.*/\1/p' "$key/variants.txt")
[ ${#variants[@]} -ge 3 ] || fail "ex05: fewer than 3 variants in key/variants.txt"
first=1
for v in "${variants[@]}"; do
	t0=$SECONDS
	ho=$tmp/h-$v
	ans=$keys/answers-$v.txt
	[ -f "$ans" ] || ans=$key/answers-$v.txt
	if ! (cd "$top" && lab/handout 05 "$ho" --variant "$v") >"$tmp/$v.handout.log" 2>&1; then
		fail "ex05 $v: lab/handout failed: $(tail -n 2 "$tmp/$v.handout.log" | tr '\n' ' ')"
		continue
	fi
	# what the handout holds, and what it must not
	bad=""
	for f in key handout.sh; do
		[ ! -e "$ho/exercises/05-bug-hunt/$f" ] || bad="$bad ships $f;"
	done
	grep -rqs -F "$(key_of "$ans" function)" "$ho/exercises/05-bug-hunt" &&
		bad="$bad names the function in exercises/05-bug-hunt/;"
	[ "$(cat "$ho/exercises/05-bug-hunt/variant" 2>/dev/null)" = "$v" ] ||
		bad="$bad no variant file saying $v;"
	f=$(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$key/$v.patch" | head -n 1)
	cmp -s "$top/$f" "$ho/$f" && bad="$bad $f not patched;"
	"$muxview" --check "$ho/exercises/05-bug-hunt/trace" >"$tmp/$v.check" 2>&1
	grep -q 'bug=""' "$tmp/$v.check" || bad="$bad the trace's run_start names a bug mode;"
	# the shape of the code gives nothing away: as many bug_on_mode()
	# tests in every source file as in the reference
	for sf in "$top"/src/*.c; do
		[ "$(grep -c 'bug_on_mode(' "$sf")" = "$(grep -c 'bug_on_mode(' "$ho/src/${sf##*/}")" ] ||
			bad="$bad src/${sf##*/} has another number of bug_on_mode() tests than the reference;"
	done
	if [ -z "$bad" ]; then
		pass "ex05 $v: the handout has $f patched, the variant, a trace with bug=\"\", as many bug_on_mode() tests as the reference, no key"
	else
		fail "ex05 $v: the handout:$bad"
	fi

	# the build, with the reference objects
	mkdir -p "$ho/build"
	tar -C "$build" --exclude=./grade --exclude=./test-logs -cf - . |
		tar -C "$ho/build" -xf -

	# the key: full marks
	grade "$ho" "$ans" "$tmp/$v.key.log"
	if [ $rc = 0 ] && [ "$sc" = 100/100 ]; then
		pass "ex05 $v: the handout builds, the key gets full marks ($sc, $((SECONDS - t0)) s)"
	else
		fail "ex05 $v: the key: exit $rc, score '$sc'"
		grep -E 'FAIL' "$tmp/$v.key.log" | head -5 | sed 's/^/    /'
	fi

	# the template (once): only the build's points
	if [ $first = 1 ]; then
		first=0
		grade "$ho" "" "$tmp/$v.template.log"
		if [ $rc = 1 ] && [ "$sc" = 5/100 ]; then
			pass "ex05 $v: the template gets 5/100 (the build) with exit 1"
		else
			fail "ex05 $v: the template: exit $rc, score '$sc' (want 5/100, exit 1)"
		fi
	fi

	# wrong answers, run 1: an invariant that holds, another function, a
	# line 40 lines away in the right file
	inv=$(key_of "$ans" invariant)
	ok_inv=$(sed -n 's/^invariant \([0-9]\) .* ok .*/\1/p' "$tmp/$v.check" | head -n 1)
	line=$(key_of "$ans" line)
	w=$tmp/$v.w1.txt
	cp "$ans" "$w"
	set_ans "$w" invariant "$ok_inv"
	set_ans "$w" function conn_backend_get
	set_ans "$w" line "${line%:*}:$(( ${line##*:} + 40 ))"
	grade "$ho" "$w" "$tmp/$v.w1.log"
	if [ $rc = 1 ] &&
	   check_is "$tmp/$v.w1.log" "the broken invariant" FAIL "invariant $ok_inv holds" &&
	   check_is "$tmp/$v.w1.log" "its first bad event" FAIL "'invariant' is not right" &&
	   check_is "$tmp/$v.w1.log" "the function of the mistake" FAIL "conn_backend_get" &&
	   check_is "$tmp/$v.w1.log" "the line of the mistake" FAIL "not at"; then
		pass "ex05 $v: refused: invariant $ok_inv (holds), function conn_backend_get, line ${line%:*}:$(( ${line##*:} + 40 ))"
	else
		fail "ex05 $v: wrong invariant/function/line not all caught (exit $rc)"
		grep -E '^== Test' "$tmp/$v.w1.log" | sed 's/^/    /'
	fi

	# run 2 (first variant only: it tests the grader, not the variant):
	# the first event + 1, the right line number in another file, the
	# function written as a call (accepted)
	if [ "$v" != "${variants[0]}" ]; then
		rm -rf "$ho"
		continue
	fi
	ev=$(key_of "$ans" first_event)
	other=src/server.c
	[ "${line%:*}" = "$other" ] && other=src/backend.c
	w=$tmp/$v.w2.txt
	cp "$ans" "$w"
	set_ans "$w" first_event "#$(( ${ev#\#} + 1 ))"
	set_ans "$w" line "$other:${line##*:}"
	set_ans "$w" function "$(key_of "$ans" function)()"
	grade "$ho" "$w" "$tmp/$v.w2.log"
	if [ $rc = 1 ] &&
	   check_is "$tmp/$v.w2.log" "the broken invariant" OK &&
	   check_is "$tmp/$v.w2.log" "its first bad event" FAIL "#$(( ${ev#\#} + 1 )) is not" &&
	   check_is "$tmp/$v.w2.log" "the function of the mistake" OK &&
	   check_is "$tmp/$v.w2.log" "the line of the mistake" FAIL "${other##*/}"; then
		pass "ex05 $v: refused: first_event #$(( ${ev#\#} + 1 )), line $other:${line##*:}; accepted: function $(key_of "$ans" function)()"
	else
		fail "ex05 $v: wrong first_event / line in another file not caught, or f() refused (exit $rc)"
		grep -E '^== Test' "$tmp/$v.w2.log" | sed 's/^/    /'
	fi
	# run 3: right answers as a student may write them (DOS line ends,
	# key case and blanks, a "?" line left above, "03", "event #0N", a
	# declaration for the function, a full path and a blank after the
	# colon): accepted; the right line in a file of another directory
	# (viewer/): refused
	w=$tmp/$v.w3.txt
	{
		printf 'Invariant : 0%s\n' "$inv"
		printf 'first_event: ?\nfirst_event: event #0%s\n' "${ev#\#}"
		printf 'function: static void %s (struct x *y)\n' "$(key_of "$ans" function)"
		printf 'line: %s/%s: %s\n' "$ho" "${line%:*}" "${line##*:}"
	} | sed 's/$/\r/' >"$w"
	grade "$ho" "$w" "$tmp/$v.w3.log"
	cp "$ans" "$tmp/$v.w4.txt"
	set_ans "$tmp/$v.w4.txt" line "viewer/${line#src/}"
	grade "$ho" "$tmp/$v.w4.txt" "$tmp/$v.w4.log"
	if [ "$(sed -n 's/^Score: //p' "$tmp/$v.w3.log")" = 100/100 ] &&
	   check_is "$tmp/$v.w4.log" "the line of the mistake" FAIL "no such file in src/"; then
		pass "ex05 $v: right answers in other forms accepted (CRLF, 'Invariant : 03', a '?' line, 'event #0N', a declaration, a full path); viewer/${line#src/} refused"
	else
		fail "ex05 $v: other forms of right answers refused, or a file outside src/ accepted"
		grep -E '^== Test' "$tmp/$v.w3.log" "$tmp/$v.w4.log" | sed 's/^/    /'
	fi
	rm -rf "$ho"
done
echo "ex05: $((SECONDS - t_all)) s in all"
exit $((nfail > 0))
