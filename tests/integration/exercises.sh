#!/usr/bin/env bash
# exercises.sh - every code exercise's grader, proven both ways:
#   - the reference tree gets full marks (lab/grade EX: exit 0, x/x);
#   - the exercise's starter.patch (and others.patch) still apply, a fresh
#     handout builds and gets less than full marks with exit 1 (so no
#     check passes on code that is not there);
#   - that handout with its starter.patch reversed gets full marks (so the
#     grader asks for nothing others.patch cut from the other muxes);
#   - each bug mode listed in the exercise's key/bugs.txt makes the named
#     check FAIL when the reference is graded with --bug (so the checks
#     catch the mistakes they are about).
# Exercises graded from written answers (no starter.patch) have their own
# tests (tests/integration/ex*.sh).
#
#   tests/integration/exercises.sh [--full] [EX...]
#
# By default (make test) recordings last 1 s and graders of the same
# scenario share them (GRADE_CACHE); --full (make grade-all) grades with
# each exercise's own durations and no sharing.
# timeout: 900
. "$(dirname "$0")/common.bash"
need_muxlab exercises

full=0
[ "${1:-}" = --full ] && { full=1; shift; }
if [ $full = 0 ]; then
	export GRADE_DURATION=${GRADE_DURATION:-1}
	export GRADE_CACHE=$tmp/cache
fi
for t in lttng lttng-sessiond babeltrace2; do
	have $t || { fail "exercises: $t not installed (make deps)"; exit 1; }
done

exs=("$@")
if [ ${#exs[@]} = 0 ]; then
	for d in "$top"/exercises/[0-9][0-9]-*/; do
		[ -f "$d/starter.patch" ] && exs+=("$(basename "$d")")
	done
fi

# score LOG: "x/y" of the grader's last line
score() { sed -n 's/^Score: //p' "$1" | tail -n 1; }

# show_fails LOG: the grader's FAIL lines, indented
show_fails() { grep -E '^== Test .* FAIL' "$1" | head -5 | sed 's/^/    /'; }

for ex in "${exs[@]}"; do
	n=${ex%%-*}
	t0=$SECONDS
	# 1. the reference: full marks
	log=$tmp/ref-$n.log
	(cd "$top" && lab/grade "$n") >"$log" 2>&1
	rc=$? s=$(score "$log")
	if [ $rc = 0 ] && [ -n "$s" ] && [ "${s%/*}" = "${s#*/}" ]; then
		pass "$ex: reference tree gets full marks ($s, $((SECONDS - t0)) s)"
	else
		fail "$ex: reference tree: exit $rc, score '$s'"
		show_fails "$log"
	fi

	# 2. a handout: builds, less than full marks, exit 1. The reference
	# build is copied in with its times, so make rebuilds only what the
	# starter patch changed.
	t0=$SECONDS
	ho=$tmp/handout-$n
	if ! (cd "$top" && lab/handout "$n" "$ho") >"$tmp/handout-$n.log" 2>&1; then
		fail "$ex: lab/handout failed: $(tail -n 2 "$tmp/handout-$n.log" | tr '\n' ' ')"
	else
		for b in "$build" "$top/build-tsan"; do
			[ -d "$b" ] && cp -a "$b" "$ho/$(basename "$b")"
		done
		grep -q "TODO($n)" -r "$ho/src" ||
			fail "$ex: the handout has no TODO($n) in src/"
		! grep -q 'muxlab tree only\|Start with your own copy' \
			"$ho/EXERCISE.md" "$ho/exercises/$ex/README.md" ||
			fail "$ex: the handout keeps the note that sends readers to lab/handout"
		for f in $ex/starter.patch $ex/others.patch $ex/key $ex/handout.sh \
			 lib/mkstarter.py README.md; do
			[ ! -e "$ho/exercises/$f" ] ||
				fail "$ex: the handout ships the instructor's exercises/$f"
		done
		# two hints, remembered in the handout and reported by the grade
		(cd "$ho" && lab/hint "$n" && lab/hint "$n") >"$tmp/hint-$n.log" 2>&1 ||
			fail "$ex: lab/hint failed: $(tail -n 1 "$tmp/hint-$n.log")"
		grep -q -- '-- hint 2 of' "$tmp/hint-$n.log" ||
			fail "$ex: the second lab/hint did not print hint 2"
		log=$tmp/handout-grade-$n.log
		(cd "$ho" && lab/grade "$n" --results "$tmp/results-$n.json") >"$log" 2>&1
		rc=$? s=$(score "$log")
		grep -q '^Hints used: 2 of' "$log" &&
			pass "$ex: the grade reports the 2 hints used" ||
			fail "$ex: the grade does not report 2 hints used: $(grep '^Hints' "$log")"
		if python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
got = "%d/%d" % (r["score"], r["max"])
assert got == sys.argv[2], (got, sys.argv[2])
assert r["hints_used"] == 2
assert sum(t["points"] for t in r["tests"]) == r["score"]
assert all(t["ok"] or t["why"] for t in r["tests"])
' "$tmp/results-$n.json" "$s" 2>"$tmp/json-$n.err"; then
			pass "$ex: --results JSON agrees with the report"
		else
			fail "$ex: --results JSON: $(tail -n 1 "$tmp/json-$n.err")"
		fi
		if grep -q '^Note: this is muxlab itself' "$log"; then
			fail "$ex: the handout's grade says it is muxlab's own tree"
		fi
		if grep -q '^== Test build == OK' "$log"; then
			pass "$ex: the handout builds"
		else
			fail "$ex: the handout does not build"
			show_fails "$log"
		fi
		if [ $rc = 1 ] && [ -n "$s" ] && [ "${s%/*}" -lt "${s#*/}" ]; then
			pass "$ex: the handout gets less than full marks ($s, exit 1, $((SECONDS - t0)) s)"
		else
			fail "$ex: the handout graded exit $rc, score '$s' (want < full, exit 1)"
			tail -n 5 "$log" | sed 's/^/    /'
		fi
		# 3. the handout solved: starter.patch reversed there (others.patch,
		# which cuts the answer out of the other muxes, stays): full
		# marks, so the exercise asks for nothing the handout lacks.
		# make test: exercise 03 (its binary differs from the reference's,
		# so nothing comes from GRADE_CACHE); --full: every exercise.
		if [ $full = 1 ] || [ "$n" = 03 ]; then
			t0=$SECONDS
			log=$tmp/solved-grade-$n.log
			if ! (cd "$ho" && patch -p1 -R -s --no-backup-if-mismatch \
				<"$top/exercises/$ex/starter.patch") >"$log" 2>&1; then
				fail "$ex: starter.patch does not reverse in the handout: $(tail -n 1 "$log")"
			else
				(cd "$ho" && lab/grade "$n") >>"$log" 2>&1
				rc=$? s=$(score "$log")
				if [ $rc = 0 ] && [ -n "$s" ] && [ "${s%/*}" = "${s#*/}" ]; then
					pass "$ex: the handout, solved, gets full marks ($s, $((SECONDS - t0)) s)"
				else
					fail "$ex: the handout, solved: exit $rc, score '$s' (want full marks)"
					show_fails "$log"
				fi
			fi
		fi
		rm -rf "$ho"
	fi

	# 4. each related bug mode is caught by its check
	[ -f "$top/exercises/$ex/key/bugs.txt" ] || continue
	while IFS='|' read -r bug check; do
		bug=$(echo "$bug" | xargs) check=$(echo "$check" | xargs)
		case $bug in ''|'#'*) continue ;; esac
		t0=$SECONDS
		log=$tmp/bug-$n-$bug.log
		# only that check (the grader records only what it needs). A
		# bug that is a race (trust-ctx, purge-reinsert) may not strike
		# in a short recording on a loaded machine: not caught at this
		# run's length, it gets one 3 s run more before it counts as
		# not caught
		caught() {
			[ $rc = 1 ] && grep -qF "== Test $check" "$log" &&
				grep -F "== Test $check" "$log" | grep -q '== FAIL'
		}
		(cd "$top" && lab/grade "$n" --bug "$bug" "$check") >"$log" 2>&1
		rc=$?
		again=""
		if ! caught && [ "${GRADE_DURATION:-3}" -lt 3 ]; then
			(cd "$top" && GRADE_DURATION=3 lab/grade "$n" --bug "$bug" "$check") >"$log" 2>&1
			rc=$?
			again=", at 3 s"
		fi
		if caught; then
			pass "$ex: --bug $bug caught by '$check' ($((SECONDS - t0)) s$again)"
		else
			fail "$ex: --bug $bug not caught by '$check' (exit $rc)"
			grep -F "== Test $check" "$log" | sed 's/^/    /'
		fi
	done <"$top/exercises/$ex/key/bugs.txt"
done
exit $((nfail > 0))
