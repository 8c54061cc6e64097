#!/usr/bin/env bash
# exercises/08-measure/key/solve.sh - the instructor's solution of exercise
# 08 (never in a handout): record the runs the exercise asks for and write
# a correct answers file.
#
#   exercises/08-measure/key/solve.sh [--duration S] [--out DIR] [--answers FILE]
#
# Records exercises/08-measure/scenarios/measure.cfg with nbthread 1, 2 and
# the core count (nproc, at most 32; GRADE_NPROC=N overrides it, as for
# the grader), each in usr1 and legacy mode, for S seconds (default 3, the
# scenario's), with lab/record, into DIR (default traces/local/ex08-key-
# DATE). The figures come from `muxview --stats`, a reader of its own (the
# grader uses babeltrace2 and facts.awk): the two agreeing is part of what
# this proves. The answers go to FILE (default DIR/answers.txt); its path
# is the last line printed. Then:
#
#   lab/grade 08 --answers FILE
#
# Exit status: 0, 1 if a recording failed.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
scen=$top/exercises/08-measure/scenarios/measure.cfg

duration=3 out="" answers=""
while [ $# -gt 0 ]; do
	case $1 in
	--duration) duration=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--answers) answers=${2:?}; shift 2 ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "solve: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || out=$top/traces/local/ex08-key-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
[ -n "$answers" ] || answers=$out/answers.txt

. "$top/lab/lib/ports.sh"

cores=${GRADE_NPROC:-$(nproc)}
[ "$cores" -le 32 ] || cores=32
threads=$(printf '%s\n' 1 2 "$cores" | sort -n -u)

# stats TRACE: "requests lock fast locked steals front_locked back_locked"
# from muxview --stats (the "total" column is the last field)
stats() {
	"$build/muxview" --stats "$1" | awk '
		/^end:/ { for (i = 1; i <= NF; i++) if ($i ~ /^requests_ok=/) { sub(/.*=/, "", $i); req = $i } }
		# rows of the per-thread table: label words, then one count
		# per thread and the total
		$1 == "io_cb" && $2 == "fast" && $3 ~ /^[0-9]+$/ { fast = $NF }
		$1 == "io_cb" && $2 == "locked" && $3 ~ /^[0-9]+$/ { locked = $NF }
		$1 == "lock" && $2 == "acquisitions" { lock = $NF }
		$1 == "steals" && $2 == "in" { steals = $NF }
		$1 == "front" && $3 == "locked" { fl += $NF }
		$1 == "back" && $3 == "locked" { bl += $NF }
		END { print req + 0, lock + 0, fast + 0, locked + 0, steals + 0, fl + 0, bl + 0 }'
}

# rel PATH: relative to the tree when inside it
rel() { case $1 in "$top"/*) echo "${1#"$top"/}" ;; *) echo "$1" ;; esac; }

declare -A fig=()
{
	echo "# exercise 08: written by key/solve.sh ($duration s recordings)"
} >"$answers.tmp"
for n in $threads; do
	cfg=$out/measure-t$n.cfg
	sed "s/^\([[:space:]]*nbthread\)[[:space:]].*/\1 $n/" "$scen" >"$out/m.cfg"
	remap_ports "$out/m.cfg" "$cfg"
	rm -f "$out/m.cfg"
	for m in usr1 legacy; do
		tr=$out/$m-t$n
		for try in 1 2; do
			rm -rf "$tr"
			MUXLAB_BIN=$build/muxlab MUXVIEW_BIN=$build/muxview \
				"$top/lab/record" --mode $m --duration "$duration" \
				--out "$tr" "$cfg" >"$tr.log" 2>&1 </dev/null
			rc=$?
			[ $rc = 4 ] || break	# events discarded: once more
		done
		if [ $rc != 0 ]; then
			echo "solve: recording $m with nbthread $n failed (lab/record exit $rc, see $tr.log)" >&2
			exit 1
		fi
		read -r req lock fast locked steals fl bl < <(stats "$tr")
		[ "$req" -gt 0 ] || { echo "solve: $tr served no request" >&2; exit 1; }
		awk -v tr="$(rel "$tr")" -v k="$m.t$n" -v r=$req -v l=$lock \
		    -v f=$fast -v lk=$locked -v s=$steals 'BEGIN {
			printf "trace.%s: %s\n", k, tr
			printf "lock_per_req.%s: %.4f\n", k, l / r
			printf "fast_share.%s: %.2f\n", k, f + lk ? 100 * f / (f + lk) : 0
			printf "steals_per_1k.%s: %.2f\n\n", k, 1000 * s / r
		}' >>"$answers.tmp"
		fig[$m.$n]="$req $lock $fl $bl"
		echo "solve: $m nbthread $n: $req requests, $lock locks, $fast fast + $locked locked io_cb, $steals steals" >&2
	done
done

# question 1: the saving (legacy - usr1 lock acquisitions per request) at
# each thread count, classified as README says
pays=$(for n in $threads; do
	set -- ${fig[legacy.$n]}; lr=$1 ll=$2
	set -- ${fig[usr1.$n]}; ur=$1 ul=$2
	awk -v a=$ll -v b=$lr -v c=$ul -v d=$ur 'BEGIN { printf "%.6f\n", a / b - c / d }'
done | awk '
	{ s[NR] = $1 }
	END {
		for (i = 1; i <= NR; i++) if (s[i] <= 0.1) none++
		if (none == NR) { print "e"; exit }
		if (none == 1 && s[1] <= 0.1) { print "a"; exit }
		lo = hi = s[1]
		for (i = 2; i <= NR; i++) { if (s[i] < lo) lo = s[i]; if (s[i] > hi) hi = s[i] }
		if (hi <= 1.2 * lo) print "b"; else if (s[NR] >= s[1]) print "c"; else print "d"
	}')
# question 2: the drop in locked io_cb per request at nbthread 2, front
# and back
set -- ${fig[legacy.2]}; lr=$1 lf=$3 lb=$4
set -- ${fig[usr1.2]}; ur=$1 uf=$3 ub=$4
saved=$(awk -v lr=$lr -v lf=$lf -v lb=$lb -v ur=$ur -v uf=$uf -v ub=$ub \
	'BEGIN { printf "%.4f %.4f\n", lf / lr - uf / ur, lb / lr - ub / ur }')
{
	echo "pays_off: $pays"
	echo "saved_front: ${saved% *}"
	echo "saved_back: ${saved#* }"
} >>"$answers.tmp"
mv "$answers.tmp" "$answers"
echo "$answers"
