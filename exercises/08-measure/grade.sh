# exercise 08 - measure it. Sourced by lab/grade.
#
# Nothing is recorded here: the student records the runs (README, tasks)
# and names them in answers.txt. The grader checks that each named trace
# is the run it claims to be (mode, nbthread, no bug, complete, its own
# recording of a copy of measure.cfg, no mode switched on the control
# socket, muxview --check clean), recomputes every figure from it with
# facts.awk, and accepts a figure as the student's rounding of its own
# (m8_tol: 2 decimals, or 1 where muxview --stats prints 1).
#
# The thread counts asked for are 1, 2 and the number of cores (nproc,
# at most 32: muxlab's limit); on a 1- or 2-core machine that is 1 and 2.
# GRADE_NPROC=N grades for an N-core machine (a lecturer grading elsewhere).
#
# Everything read (answers, facts of each trace) is loaded once into
# arrays of this shell (m8_load): the checks then fork little.

# m8_tol FIGURE: "REL ABS": an answer within max(REL x figure, ABS) of
# the grader's figure is the same figure, rounded
m8_tol() {
	case $1 in
	lock_per_req) echo "0 0.006" ;;	# 2 decimals
	fast_share) echo "0 0.06" ;;	# a percentage, 1 or 2 decimals
	*) echo "0 0.06" ;;		# per 1000: --stats prints 1 decimal
	esac
}
# the scenario every trace must be a run of (a copy named measure*.cfg)
m8_seed=$(sed -n 's/^#@lab seed \([0-9]*\).*/\1/p' "$ex_dir/scenarios/measure.cfg" 2>/dev/null | head -n 1)
m8_cores=${GRADE_NPROC:-$(nproc 2>/dev/null || echo 2)}
[ "$m8_cores" -ge 1 ] 2>/dev/null || m8_cores=2
[ "$m8_cores" -le 32 ] || m8_cores=32
m8_threads=$(printf '%s\n' 1 2 "$m8_cores" | sort -n -u | tr '\n' ' ')
m8_runs=""
for _t in $m8_threads; do
	m8_runs="$m8_runs usr1.t$_t legacy.t$_t"
done
unset _t
m8_afile=${answers_file:-$ex_dir/answers.txt}

# m8_list WHY...: the first three reasons, and how many more
m8_list() {
	local n=$# out
	out=$1
	[ $n -lt 2 ] || out="$out; $2"
	[ $n -lt 3 ] || out="$out; $3"
	[ $n -le 3 ] || out="$out; and $((n - 3)) more"
	echo "$out"
}

# m8_ans[KEY]: the answer to KEY as written (case kept: paths), absent if
#   none or "?" (gradelib's answers_table: any key case, DOS line ends, a
#   "?" line left above an answer, notes after a blank and "#")
# m8_path[RUN]: RUN's trace directory, or m8_nopath[RUN]: why there is none
# m8_facts[TRACE KEY]: facts.awk's facts about each trace named
declare -A m8_ans=() m8_path=() m8_nopath=() m8_facts=()
m8_loaded=""
m8_load() {
	local r v p d k
	[ -z "$m8_loaded" ] || return 0
	m8_loaded=1
	while IFS=$'\t' read -r k v; do
		m8_ans[$k]=$v
	done < <(answers_table "$m8_afile")
	d=$(dirname "$m8_afile")
	for r in $m8_runs; do
		v=${m8_ans[trace.$r]:-}
		if [ -z "$v" ]; then
			m8_nopath[$r]="no answer to 'trace.$r'"
			continue
		fi
		# quotes around it, a leading ~
		v=${v#[\"\']} v=${v%[\"\']}
		case $v in "~/"*) v=$HOME/${v#\~/} ;; esac
		case $v in
		/*) p=$v ;;
		*)  p=$top/$v
		    [ -e "$p" ] || [ ! -e "$d/$v" ] || p=$d/$v ;;
		esac
		if [ ! -d "$p" ]; then
			m8_nopath[$r]="trace.$r: no directory $v"
		elif [ -z "$(find "$p" -name metadata -print -quit 2>/dev/null)" ]; then
			m8_nopath[$r]="trace.$r: $v is not a trace (no LTTng metadata under it)"
		elif [ "$(find -L "$p" -name metadata 2>/dev/null | wc -l)" != 1 ]; then
			m8_nopath[$r]="trace.$r: $v holds more than one recording: name the directory lab/record printed"
		else
			p=$(cd "$p" && pwd)
			m8_path[$r]=$p
			[ -z "${m8_facts[$p loaded]:-}" ] || continue
			m8_facts[$p loaded]=1
			while read -r k v; do
				m8_facts[$p $k]=$v
			done < <(awk -f "$top/exercises/lib/facts.awk" "$(_events "$p")")
		fi
	done
}

# m8_trace RUN: sets t to RUN's trace, or why, and fails
m8_trace() {
	m8_load
	t=${m8_path[$1]:-}
	[ -n "$t" ] && return 0
	why=${m8_nopath[$1]}
	return 1
}

# m8_is RUN: RUN's trace is of its mode and nbthread, no bug mode, a run
# of a copy of measure.cfg (its file name and seed), no mode switch
m8_is() {
	local m=${1%.t*} n=${1##*.t} gm gn gb gs
	m8_trace "$1" || return 1
	gm=${m8_facts[$t mode]:-} gn=${m8_facts[$t nbthread]:-}
	gb=${m8_facts[$t bug]:-} gs=${m8_facts[$t scenario]:-none}
	if [ -z "$gm" ]; then
		why="trace.$1: no run_start in $(_rel "$t") (not a muxlab trace?)"
		return 1
	fi
	if [ "$gm" != "$m" ] || [ "$gn" != "$n" ]; then
		why="trace.$1 is a $gm run with nbthread $gn, not $m with nbthread $n ($(_rel "$t"))"
		return 1
	fi
	if [ "$gb" != none ]; then
		why="trace.$1 was recorded with --bug $gb: record it without a bug mode"
		return 1
	fi
	# a copy of measure.cfg: named measure*.cfg (task 2), or with its
	# seed (a copy named otherwise); a trace of another scenario has
	# neither
	if [[ ${gs##*/} != measure*.cfg ]] &&
	   { [ -z "$m8_seed" ] || [ "${m8_facts[$t seed]:-}" != "$m8_seed" ]; }; then
		why="trace.$1 is a run of ${gs##*/} (seed ${m8_facts[$t seed]:-?}), not of a copy of measure.cfg (a file named measure*.cfg, or seed $m8_seed)"
		return 1
	fi
	if [ "${m8_facts[$t mode_changes]:-0}" != 0 ]; then
		why="trace.$1: the mode was switched during the run (${m8_facts[$t mode_changes]} mode_change events): record it in one mode"
		return 1
	fi
	return 0
}

# m8_checked TRACE: muxview --check TRACE, once; sets check_rc and
# discarded (events LTTng discarded, as muxview and babeltrace2 see them)
m8_checked() {
	local c b
	c=$(_cache "$1")
	if [ ! -f "$c.m8check.rc" ]; then
		"$top/$build/muxview" --check "$1" >"$c.m8check" 2>&1
		echo $? >"$c.m8check.rc"
	fi
	read -r check_rc <"$c.m8check.rc"
	discarded=$(sed -n 's/.*discarded=\([0-9][0-9]*\).*/\1/p' "$c.m8check" | head -n 1)
	b=$(grep -ci 'discarded' "$c.bt-err" 2>/dev/null)
	[ "${discarded:-0}" != 0 ] || [ "${b:-0}" = 0 ] || discarded=unknown
	: "${discarded:=0}"
}

# ---------------------------------------------------------------- checks

t_named() {
	local r bad=()
	m8_load
	for r in $m8_runs; do
		[ -n "${m8_path[$r]:-}" ] || bad+=("${m8_nopath[$r]}")
	done
	[ ${#bad[@]} = 0 ] && return 0
	why="$(m8_list "${bad[@]}") (in $(_rel "$m8_afile"))"
	return 1
}

t_kind() {
	local r bad=()
	for r in $m8_runs; do
		m8_is "$r" || bad+=("$why")
	done
	[ ${#bad[@]} = 0 ] && return 0
	why=$(m8_list "${bad[@]}")
	return 1
}

# the same recording twice: the same trace UUID (a copy keeps it)
t_distinct() {
	local r s id bad=() missing=()
	declare -A seen=()
	for r in $m8_runs; do
		m8_trace "$r" || { missing+=("$why"); continue; }
		id=$(find "$t" -name metadata -exec grep -a -m1 -o 'uuid = "[^"]*"' {} + 2>/dev/null |
			head -n 1)
		[ -n "$id" ] || id=$t
		if [ -n "${seen[$id]:-}" ]; then
			s=${seen[$id]}
			if [ "${m8_path[$s]}" = "$t" ]; then
				bad+=("trace.$s and trace.$r name the same trace ($(_rel "$t"))")
			else
				bad+=("trace.$s and trace.$r are the same recording ($(_rel "${m8_path[$s]}") and $(_rel "$t") have the same trace UUID: one is a copy of the other)")
			fi
		else
			seen[$id]=$r
		fi
	done
	if [ ${#bad[@]} != 0 ]; then
		why="$(m8_list "${bad[@]}"): record each run separately"
		return 1
	fi
	[ ${#missing[@]} = 0 ] && return 0
	why=$(m8_list "${missing[@]}")
	return 1
}

t_complete() {
	local r bad=()
	for r in $m8_runs; do
		m8_trace "$r" || { bad+=("$why"); continue; }
		m8_checked "$t"
		if [ "$discarded" != 0 ]; then
			bad+=("trace.$r: LTTng discarded $discarded events: record it again (a shorter --duration)")
		elif [ "${m8_facts[$t run_end]:-0}" != 1 ] ||
		     [ "${m8_facts[$t requests_ok]:-0}" = 0 ]; then
			bad+=("trace.$r: the run did not end (no run_end, or no request served): record it again and let it finish")
		fi
	done
	[ ${#bad[@]} = 0 ] && return 0
	why=$(m8_list "${bad[@]}")
	return 1
}

# every invariant muxview --check knows (the six of docs/trace-events.md
# and any it adds); inv_ok says which event breaks one
t_check() {
	local r invs
	for r in $m8_runs; do
		m8_trace "$r" || return 1
		m8_checked "$t"
		if [ "$discarded" != 0 ]; then
			why="trace.$r is incomplete (LTTng discarded events): record it again"
			return 1
		fi
		[ "$check_rc" = 0 ] && continue
		invs=$(sed -n 's/^invariant \([0-9][0-9]*\) .*/\1/p' "$(_cache "$t").m8check")
		if inv_ok "$t" ${invs:-1 2 3 4 5 6}; then
			why="trace.$r: muxview --check fails: $(grep -m1 -iE 'error|fail|inconclusive' "$(_cache "$t").m8check")"
			show="$build/muxview --check $(_rel "$t")"
		else
			why="trace.$r: $why"
		fi
		return 1
	done
	return 0
}

# t_figure FIGURE WHAT: every run's answer FIGURE.RUN is the grader's figure
t_figure() {
	local fig=$1 what=$2 r got key bad=() verdict first="" tol
	m8_load
	tol=$(m8_tol "$fig")
	for r in $m8_runs; do
		key=$fig.$r
		got=${m8_ans[$key]:-}
		if [ -z "$got" ]; then
			bad+=("no answer to '$key'")
			continue
		fi
		got=${got#[+~]}
		got=${got/[[:space:]]%/%}
		got=$(ans_ratio "${got/\%/ }")
		if [ -z "$got" ]; then
			bad+=("'$key': '${m8_ans[$key]}' is not a number (write it like 2.03)")
			continue
		fi
		m8_trace "$r" || { bad+=("'$key': no trace to recompute it from ($why)"); continue; }
		verdict=$(awk -v fig="$fig" -v g="$got" -v rel="${tol% *}" \
			-v abs="${tol#* }" -v req="${m8_facts[$t requests_ok]:-0}" \
			-v lock="${m8_facts[$t lock_acq]:-0}" \
			-v fast="${m8_facts[$t total.io_cb.fast]:-0}" \
			-v locked="${m8_facts[$t total.io_cb.locked]:-0}" \
			-v steals="${m8_facts[$t total.takeover_ok]:-0}" 'BEGIN {
				if (req <= 0) { print "norun"; exit }
				if (fig == "lock_per_req") w = lock / req
				else if (fig == "fast_share")
					w = (fast + locked) ? 100 * fast / (fast + locked) : 0
				else w = 1000 * steals / req
				d = g - w; tol = rel * (w < 0 ? -w : w)
				if (tol < abs) tol = abs
				if (d > tol) print "high"
				else if (-d > tol) print "low"
				else print "ok" }')
		case $verdict in
		ok) continue ;;
		norun) bad+=("'$key': trace.$r served no request (no run_end): nothing to compare") ;;
		*) bad+=("'$key': $got is too $verdict: not the $what the grader gets from $(_rel "$t"), rounded")
		   [ -n "$first" ] || first=$t ;;
		esac
	done
	[ ${#bad[@]} = 0 ] && return 0
	why=$(m8_list "${bad[@]}")
	[ -z "$first" ] ||
		show="$build/muxview --stats $(_rel "$first")   (the definitions: README, Background)"
	return 1
}

# m8_all_ok [RUN...]: every run's trace (or those RUNs') is the run it
# claims (for the questions)
m8_all_ok() {
	local r
	for r in ${*:-$m8_runs}; do
		m8_is "$r" || {
			why="the traces are not right yet ($why): the answer is checked against them"
			return 1; }
	done
	return 0
}

# m8_table: one line per thread count, for the questions' awk:
# n, then for legacy and usr1: requests, lock_acq, front locked io_cb,
# back locked io_cb
m8_table() {
	local n m t
	for n in $m8_threads; do
		printf '%s' "$n"
		for m in legacy usr1; do
			t=${m8_path[$m.t$n]:-}
			printf ' %s %s %s %s' "${m8_facts[$t requests_ok]:-0}" \
				"${m8_facts[$t lock_acq]:-0}" \
				"${m8_facts[$t total.io_cb.front.locked]:-0}" \
				"${m8_facts[$t total.io_cb.back.locked]:-0}"
		done
		echo
	done
}

# pays_off: the letters the grader accepts given the student's figures
# (README, question 1), s(t) = legacy - usr1 lock acquisitions per request:
# a only with 2+ threads, b about the same at every count, c growing, d
# shrinking with the thread count, e never. Near the 1.2 border (1.1 to
# 1.3) b and its neighbour are both accepted.
t_pays_off() {
	local got ok
	m8_all_ok || return 1
	got=${m8_ans[pays_off]:-}
	got=${got,,}
	got=${got#(}
	got=${got%[).]}
	got=${got%)}
	if [ -z "$got" ]; then
		why="no answer to 'pays_off' in $(_rel "$m8_afile")"
		return 1
	fi
	if ! [[ $got =~ ^[a-e]$ ]]; then
		why="'pays_off': answer one letter, a to e (not '${m8_ans[pays_off]}')"
		return 1
	fi
	ok=$(m8_table | awk '
		{ s[NR] = ($2 > 0 ? $3 / $2 : 0) - ($6 > 0 ? $7 / $6 : 0) }
		END {
			none = 0
			for (i = 1; i <= NR; i++)
				if (s[i] <= 0.1) none++
			if (none == NR) { print "e"; exit }
			if (s[1] <= 0.1 && none == 1) { print "a"; exit }
			if (none > 0) { print "a b c d e"; exit }	# no pattern
			lo = hi = s[1]
			for (i = 2; i <= NR; i++) {
				if (s[i] < lo) lo = s[i]
				if (s[i] > hi) hi = s[i]
			}
			trend = s[NR] >= s[1] ? "c" : "d"
			if (hi <= 1.1 * lo) print "b"
			else if (hi <= 1.3 * lo) print "b " trend
			else print trend
		}')
	case " $ok " in *" $got "*) return 0 ;; esac
	case $got in
	a|b|c|d|e) why="'pays_off': '$got' does not match your own figures (compare legacy minus usr1 lock_per_req at each nbthread)" ;;
	*) why="'pays_off': answer one letter, a to e" ;;
	esac
	return 1
}

# saved: the locked io_cb per request that usr1 saves at nbthread 2, on
# the front side (saved_front) and on the back side (saved_back): legacy's
# minus usr1's, each mode's locked io_cb of that side / its requests.
# Within 0.006 (2 decimals) of the grader's.
t_saved() {
	local side key got want bad=()
	m8_all_ok usr1.t2 legacy.t2 || return 1
	for side in front back; do
		key=saved_$side
		got=${m8_ans[$key]:-}
		if [ -z "$got" ]; then
			bad+=("no answer to '$key'")
			continue
		fi
		got=${got#[+~]}
		[[ $got == -* ]] && got=-$(ans_ratio "${got#-}") || got=$(ans_ratio "$got")
		if [ -z "$got" ] || [ "$got" = - ]; then
			bad+=("'$key': '${m8_ans[$key]}' is not a number (write it like 0.98)")
			continue
		fi
		want=$(m8_table | awk -v side=$side -v g="$got" '
			function per(a, r) { return r > 0 ? a / r : 0 }
			$1 == 2 {
				w = side == "front" ? per($4, $2) - per($8, $6) : per($5, $2) - per($9, $6)
				d = g - w
				print (d > 0.006 ? "high" : (-d > 0.006 ? "low" : "ok"))
			}')
		[ "$want" = ok ] ||
			bad+=("'$key': ${m8_ans[$key]} is too ${want:-far}: not the drop in $side locked io_cb per request your nbthread 2 traces give (legacy minus usr1)")
	done
	[ ${#bad[@]} = 0 ] && return 0
	why=$(m8_list "${bad[@]}")
	show="$build/muxview --stats $(_rel "${m8_path[legacy.t2]}") $(_rel "${m8_path[usr1.t2]}")"
	return 1
}

[ -x "$top/$build/muxview" ] || need_build || true
echo "thread counts graded: $m8_threads(nproc $m8_cores); answers: $(_rel "$m8_afile")"

grade_test "a trace named for each mode and thread count" 10 t_named
grade_test "each trace is its mode and nbthread, no bug mode" 10 t_kind
grade_test "each trace is a recording of its own" 5 t_distinct
grade_test "each trace is complete (nothing discarded, run ended)" 5 t_complete
grade_test "each trace passes muxview --check" 10 t_check
grade_test "lock acquisitions per request (lock_per_req)" 15 t_figure lock_per_req "lock acquisitions per request"
grade_test "fast-path share of io_cb, % (fast_share)" 15 t_figure fast_share "fast-path share"
grade_test "steals per 1000 requests (steals_per_1k)" 15 t_figure steals_per_1k "steals per 1000 requests"
grade_test "when the commit pays off (pays_off)" 10 t_pays_off
grade_test "locked io_cb saved per request, front and back (saved_front, saved_back)" 5 t_saved
