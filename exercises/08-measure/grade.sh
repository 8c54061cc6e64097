# exercise 08 - measure it. Sourced by lab/grade.
#
# Nothing is recorded here: the student records the runs (README, tasks)
# and names them in answers.txt. The grader checks that each named trace
# is the run it claims to be (mode, nbthread, no bug, complete, its own
# recording, muxview --check clean), recomputes every figure from it with
# facts.awk, and accepts a figure within 2 % (or 0.01) of its own.
#
# The thread counts asked for are 1, 2 and the number of cores (nproc,
# at most 32: muxlab's limit); on a 1- or 2-core machine that is 1 and 2.
# GRADE_NPROC=N grades for an N-core machine (a lecturer grading elsewhere).

m8_tol_rel=0.02 m8_tol_abs=0.01
m8_cores=${GRADE_NPROC:-$(nproc 2>/dev/null || echo 2)}
[ "$m8_cores" -le 32 ] 2>/dev/null || m8_cores=32
m8_threads=$(printf '%s\n' 1 2 "$m8_cores" | sort -n -u | tr '\n' ' ')
m8_runs=""
for _t in $m8_threads; do
	m8_runs="$m8_runs usr1.t$_t legacy.t$_t"
done
unset _t
m8_afile=${answers_file:-$ex_dir/answers.txt}

# m8_raw KEY: the answer to KEY as written (case kept: paths), "" if none
# or "?"; a comment must follow a blank ("path # note")
m8_raw() {
	local v
	[ -f "$m8_afile" ] || { echo ""; return; }
	v=$(sed -n "s/^$1:[[:space:]]*//p" "$m8_afile" | head -n 1 |
		sed 's/[[:space:]]#.*//; s/[[:space:]]*$//')
	[ "$v" = "?" ] && v=""
	echo "$v"
}

# m8_list WHY...: the first three reasons, and how many more
m8_list() {
	local n=$# out
	out=$1
	[ $n -lt 2 ] || out="$out; $2"
	[ $n -lt 3 ] || out="$out; $3"
	[ $n -le 3 ] || out="$out; and $((n - 3)) more"
	echo "$out"
}

# what each run's trace is: m8_path[RUN] (a trace directory) or
# m8_nopath[RUN] (why not), and the facts (facts.awk) of each trace in
# m8_facts["TRACE KEY"], filled once, in the grader's shell
declare -A m8_path=() m8_nopath=() m8_facts=()
m8_loaded=""
m8_load() {
	local r v p d
	[ -z "$m8_loaded" ] || return 0
	m8_loaded=1
	d=$(dirname "$m8_afile")
	for r in $m8_runs; do
		v=$(m8_raw "trace.$r")
		if [ -z "$v" ]; then
			m8_nopath[$r]="no answer to 'trace.$r'"
			continue
		fi
		case $v in
		/*) p=$v ;;
		*)  p=$top/$v
		    [ -e "$p" ] || [ ! -e "$d/$v" ] || p=$d/$v ;;
		esac
		if [ ! -d "$p" ]; then
			m8_nopath[$r]="trace.$r: no directory $v"
		elif [ -z "$(find "$p" -name metadata -print -quit 2>/dev/null)" ]; then
			m8_nopath[$r]="trace.$r: $v is not a trace (no LTTng metadata under it)"
		else
			p=$(cd "$p" && pwd)
			m8_path[$r]=$p
			[ -n "${m8_facts[$p loaded]:-}" ] && continue
			m8_facts[$p loaded]=1
			while read -r k v; do
				m8_facts[$p $k]=$v
			done < <(awk -f "$top/exercises/lib/facts.awk" "$(_events "$p")")
		fi
	done
}

# m8_fact TRACE KEY: fact KEY of a trace named in the answers (0 if absent)
m8_fact() {
	echo "${m8_facts[$1 $2]:-0}"
}

# m8_trace RUN: sets $t to RUN's trace, or why and fails
m8_trace() {
	m8_load
	t=${m8_path[$1]:-}
	[ -n "$t" ] && return 0
	why=${m8_nopath[$1]}
	return 1
}

# m8_is RUN: RUN's trace is of its mode and nbthread, no bug mode
m8_is() {
	local m=${1%.t*} n=${1##*.t} gm gn gb
	m8_trace "$1" || return 1
	gm=$(m8_fact "$t" mode) gn=$(m8_fact "$t" nbthread) gb=$(m8_fact "$t" bug)
	if [ "$gm" = 0 ]; then
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
	return 0
}

# m8_discarded TRACE: events LTTng discarded, as muxview --check and
# babeltrace2 see them
m8_discarded() {
	local c n b
	c=$(_cache "$1")
	if [ ! -s "$c.m8check" ]; then
		"$top/$build/muxview" --check "$1" >"$c.m8check" 2>&1
	fi
	n=$(sed -n 's/.*discarded=\([0-9][0-9]*\).*/\1/p' "$c.m8check" | head -n 1)
	_events "$1" >/dev/null
	b=$(grep -ci 'discarded' "$c.bt-err" 2>/dev/null)
	[ "${n:-0}" != 0 ] || [ "${b:-0}" = 0 ] || n=unknown
	echo "${n:-0}"
}

# m8_want TRACE FIGURE: the grader's figure ("" if it cannot be computed)
m8_want() {
	local t=$1 req
	req=$(m8_fact "$t" requests_ok)
	[ "$req" -gt 0 ] 2>/dev/null || { echo ""; return; }
	case $2 in
	lock_per_req)
		awk -v a="$(m8_fact "$t" lock_acq)" -v r="$req" \
			'BEGIN { printf "%.6f\n", a / r }' ;;
	fast_share)
		awk -v f="$(m8_fact "$t" total.io_cb.fast)" \
		    -v l="$(m8_fact "$t" total.io_cb.locked)" \
			'BEGIN { if (f + l > 0) printf "%.6f\n", 100 * f / (f + l) }' ;;
	steals_per_1k)
		awk -v s="$(m8_fact "$t" total.takeover_ok)" -v r="$req" \
			'BEGIN { printf "%.6f\n", 1000 * s / r }' ;;
	esac
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

t_distinct() {
	local r s id bad=() missing=()
	declare -A seen=()
	for r in $m8_runs; do
		m8_trace "$r" || { missing+=("$why"); continue; }
		id=$(grep -a -m1 -o 'uuid = "[^"]*"' \
			$(find "$t" -name metadata) 2>/dev/null | head -n 1)
		[ -n "$id" ] || id=$t
		if [ -n "${seen[$id]:-}" ]; then
			s=${seen[$id]}
			if [ "${m8_path[$s]}" = "$t" ]; then
				bad+=("trace.$s and trace.$r name the same trace ($(_rel "$t"))")
			else
				bad+=("trace.$s and trace.$r are the same recording ($(_rel "$t") is a copy of $(_rel "${m8_path[$s]}"))")
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
	local r n bad=()
	for r in $m8_runs; do
		m8_trace "$r" || { bad+=("$why"); continue; }
		n=$(m8_discarded "$t")
		if [ "$n" != 0 ]; then
			bad+=("trace.$r: LTTng discarded $n events: record it again (a shorter --duration)")
		elif [ "$(m8_fact "$t" run_end)" != 1 ] ||
		     [ "$(m8_fact "$t" requests_ok)" = 0 ]; then
			bad+=("trace.$r: the run did not end (no run_end, or no request served): record it again and let it finish")
		fi
	done
	[ ${#bad[@]} = 0 ] && return 0
	why=$(m8_list "${bad[@]}")
	return 1
}

# every invariant muxview --check knows (the six of docs/trace-events.md
# and any it adds)
t_check() {
	local r invs
	for r in $m8_runs; do
		m8_trace "$r" || return 1
		if [ "$(m8_discarded "$t")" != 0 ]; then
			why="trace.$r is incomplete (LTTng discarded events): record it again"
			return 1
		fi
		invs=$(sed -n 's/^invariant \([0-9][0-9]*\) .*/\1/p' "$(_cache "$t").m8check")
		inv_ok "$t" ${invs:-1 2 3 4 5 6} || { why="trace.$r: $why"; return 1; }
	done
	return 0
}

# t_figure FIGURE WHAT: every run's answer FIGURE.RUN is the grader's figure
t_figure() {
	local fig=$1 what=$2 r got want key bad=() verdict first=""
	for r in $m8_runs; do
		key=$fig.$r
		got=$(m8_raw "$key")
		got=${got%\%}
		got=${got% }
		if [ -z "$got" ]; then
			bad+=("no answer to '$key'")
			continue
		fi
		if ! [[ $got =~ ^-?[0-9]+(\.[0-9]*)?$|^-?\.[0-9]+$ ]]; then
			bad+=("'$key': '$got' is not a number (write it like 2.03)")
			continue
		fi
		m8_trace "$r" || { bad+=("'$key': no trace to recompute it from (${why})"); continue; }
		want=$(m8_want "$t" "$fig")
		if [ -z "$want" ]; then
			bad+=("'$key': trace.$r served no request (no run_end): nothing to compare")
			continue
		fi
		verdict=$(awk -v g="$got" -v w="$want" -v rel=$m8_tol_rel \
			-v abs=$m8_tol_abs 'BEGIN {
				d = g - w; tol = rel * (w < 0 ? -w : w)
				if (tol < abs) tol = abs
				if (d > tol) print "high"
				else if (-d > tol) print "low"
				else print "ok" }')
		[ "$verdict" = ok ] && continue
		bad+=("'$key': $got is too $verdict, more than 2 % (or 0.01) away from the $what the grader gets from $(_rel "$t")")
		[ -n "$first" ] || first=$t
	done
	[ ${#bad[@]} = 0 ] && return 0
	why=$(m8_list "${bad[@]}")
	[ -z "$first" ] ||
		show="$build/muxview --stats $(_rel "$first")   (the definitions: EXERCISE.md / README, Background)"
	return 1
}

# m8_all_ok: every run's trace is the run it claims (for the questions)
m8_all_ok() {
	local r
	for r in $m8_runs; do
		m8_is "$r" || {
			why="the traces are not right yet ($why): the answer is checked against them"
			return 1; }
	done
	return 0
}

# m8_per_req RUN KEY: fact KEY of RUN's trace per request
m8_per_req() {
	m8_trace "$1" || { echo 0; return; }
	awk -v a="$(m8_fact "$t" "$2")" -v r="$(m8_fact "$t" requests_ok)" \
		'BEGIN { printf "%.6f\n", (r > 0 ? a / r : 0) }'
}

# the saving at each thread count: legacy - usr1 lock acquisitions per
# request, "n saving" lines
m8_savings() {
	local n
	for n in $m8_threads; do
		echo "$n $(awk -v l="$(m8_per_req legacy.t$n lock_acq)" \
			-v u="$(m8_per_req usr1.t$n lock_acq)" \
			'BEGIN { printf "%.6f", l - u }')"
	done
}

# pays_off: the choices the grader accepts given the student's figures
# (README, question 1): a only with 2+ threads, b the same at every count,
# c growing, d shrinking with the thread count, e never. Within 10 % of
# the b/c or b/d border both are accepted.
m8_pays_off_ok() {
	m8_savings | awk '
		{ n[NR] = $1; s[NR] = $2 }
		END {
			none = 0; some = 0
			for (i = 1; i <= NR; i++)
				if (s[i] <= 0.1) none++; else some++
			if (some == 0) { print "e"; exit }
			if (s[1] <= 0.1 && none == 1) { print "a"; exit }
			if (none > 0) { print "a b c d e"; exit }   # no pattern
			lo = hi = s[1]
			for (i = 2; i <= NR; i++) {
				if (s[i] < lo) lo = s[i]
				if (s[i] > hi) hi = s[i]
			}
			trend = s[NR] >= s[1] ? "c" : "d"
			if (hi <= 1.1 * lo) print "b"
			else if (hi <= 1.3 * lo) print "b " trend
			else print trend
		}'
}

t_pays_off() {
	local got ok
	m8_all_ok || return 1
	got=$(answer pays_off)
	got=${got%)}
	if [ -z "$got" ]; then
		why="no answer to 'pays_off' in $(_rel "$m8_afile")"
		return 1
	fi
	ok=$(m8_pays_off_ok)
	case " $ok " in *" $got "*) return 0 ;; esac
	case $got in
	a|b|c|d|e) why="'pays_off': '$got' does not match your own figures (compare legacy minus usr1 lock_per_req at each nbthread)" ;;
	*) why="'pays_off': answer one letter, a to e" ;;
	esac
	return 1
}

# saved_where: front if the legacy - usr1 drop in locked io_cb per
# request, averaged over the thread counts, is larger on the front side
t_saved_where() {
	local got want n df=0 db=0
	m8_all_ok || return 1
	got=$(answer saved_where)
	if [ -z "$got" ]; then
		why="no answer to 'saved_where' in $(_rel "$m8_afile")"
		return 1
	fi
	for n in $m8_threads; do
		df=$(awk -v a=$df -v l="$(m8_per_req legacy.t$n total.io_cb.front.locked)" \
			-v u="$(m8_per_req usr1.t$n total.io_cb.front.locked)" \
			'BEGIN { printf "%.6f", a + l - u }')
		db=$(awk -v a=$db -v l="$(m8_per_req legacy.t$n total.io_cb.back.locked)" \
			-v u="$(m8_per_req usr1.t$n total.io_cb.back.locked)" \
			'BEGIN { printf "%.6f", a + l - u }')
	done
	want=$(awk -v f=$df -v b=$db 'BEGIN { print (f > b ? "front" : "back") }')
	[ "$got" = "$want" ] && return 0
	case $got in
	front|back) why="'saved_where': '$got' does not match your own traces (compare the locked io_cb per request, front and back, in both modes)" ;;
	*) why="'saved_where': answer front or back" ;;
	esac
	return 1
}

[ -x "$top/$build/muxview" ] || need_build >/dev/null || true
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
grade_test "where the saving comes from (saved_where)" 5 t_saved_where
