# exercises/lib/gradelib.sh - the grader's library (sourced by lab/grade).
#
# An exercise's grade.sh is a list of tests:
#
#     grade_test "NAME" POINTS FUNC [ARGS...]
#
# FUNC runs in the grader's shell (so what it records is cached for the
# next test) and returns 0 for OK. On failure it sets
#     why   one line: what is wrong, in the student's terms
#     show  optional: the command that shows it (a muxview --event ...)
# and returns 1. Output, in the form of MIT 6.828's gradelib:
#
#     == Test NAME == OK (p/p)
#     == Test NAME == FAIL (0/p): why
#        see: command
#
# Helpers for FUNCs (each sets why/show itself and returns 1 on failure):
#   need_build                       the tree builds (make all), once
#   record_trace KEY SCEN MODE [ARGS...]
#                                    record a run with lab/record (cached
#                                    by KEY); sets $trace
#   run_ends_cleanly KEY             that run exited 0 (no crash, no leak)
#   fact TRACE KEY                   a fact of facts.awk (0 if absent)
#   fact_pos TRACE KEY WHAT          fact KEY > 0 ("no WHAT in the run")
#   no_bad TRACE TEXT KEY...         facts bad.KEY are all 0
#   inv_ok TRACE [--mux M] N...      muxview --check: invariants N hold
#                                    (for mux M's events only with --mux)
#   tsan_clean SCEN SECONDS          a ThreadSanitizer build runs SCEN
#                                    for SECONDS with no report
#   answer KEY                       the student's answer to KEY in
#                                    answers.txt ("" if none; lab/grade
#                                    --answers FILE reads FILE instead)
#   answer_num KEY                   the same as a number ("#123" -> 123)
#   expect_answer KEY WANT WHAT      the answer to KEY is WANT
#   answers_table FILE               every answer of FILE, "key<TAB>value"
#   ans_int VALUE / ans_word VALUE / ans_ratio VALUE
#                                    an answer as a whole number, a word, a
#                                    decimal number ("" if it is not one)
#
# Variables set by lab/grade: top (the tree graded), build, ex (NN),
# ex_dir, grade_out (work dir), opt_bug (--bug, for self-tests), duration
# (seconds per recording; GRADE_DURATION overrides an exercise's default).

grade_score=0 grade_max=0 grade_inconclusive=0
grade_json=""
declare -A _rec_done=() _rec_rc=() _rec_why=() _rec_told=() _rec_hash_of=()
_build_state=""

# relative path of <1> from the tree top, for commands a student copies
_rel() {
	case $1 in
	"$top"/*) echo "${1#"$top"/}" ;;
	*) echo "$1" ;;
	esac
}

_json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\t'/ }
	s=${s//$'\n'/ }
	printf '"%s"' "$s"
}

# grade_test NAME POINTS FUNC [ARGS...]
grade_test() {
	local name=$1 pts=$2 ok got t0
	shift 2
	if [ -n "${grade_filter:-}" ] && [[ $name != *"$grade_filter"* ]]; then
		return 0
	fi
	why="" show=""
	t0=$SECONDS
	if "$@"; then
		ok=1 got=$pts
		printf '== Test %s == OK (%d/%d)\n' "$name" "$pts" "$pts"
	else
		ok=0 got=0
		[ -n "$why" ] || why="failed (no reason given)"
		printf '== Test %s == FAIL (0/%d): %s\n' "$name" "$pts" "$why"
		[ -z "$show" ] || printf '   see: %s\n' "$show"
	fi
	[ "${verbose:-0}" = 0 ] || printf '   (%ds)\n' $((SECONDS - t0))
	grade_score=$((grade_score + got))
	grade_max=$((grade_max + pts))
	grade_json="$grade_json${grade_json:+,}{\"name\":$(_json_str "$name"),\"points\":$got,\"max\":$pts,\"ok\":$([ $ok = 1 ] && echo true || echo false)"
	[ $ok = 1 ] || grade_json="$grade_json,\"why\":$(_json_str "$why")${show:+,\"see\":$(_json_str "$show")}"
	grade_json="$grade_json}"
	return 0
}

# need_build: make all in the graded tree, once. The first compiler error
# is the reason when it fails.
need_build() {
	local log=$grade_out/build.log err
	if [ -z "$_build_state" ]; then
		if make -C "$top" --no-print-directory -j2 BUILD="$build" all \
			>"$log" 2>&1; then
			_build_state=ok
		else
			_build_state=failed
		fi
	fi
	[ $_build_state = ok ] && return 0
	if [ -n "${_build_told:-}" ]; then
		why="not graded: the build failed (see above)"
		return 1
	fi
	_build_told=1
	err=$(grep -m1 -E '(error|undefined reference)' "$log")
	why="the build failed${err:+: ${err#"$top"/}}"
	show="make  (the whole log: $(_rel "$log"))"
	return 1
}

# _scenario NAME: path of scenario NAME (exercise's own scenarios first)
_scenario() {
	local s=$1
	for f in "$s" "$ex_dir/scenarios/$s.cfg" "$top/lab/scenarios/$s.cfg"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# A recording cache for the self-tests (tests/integration/exercises.sh),
# off unless GRADE_CACHE names a directory: graders of several exercises
# that record the same scenario, mode and bug mode with the same muxlab
# binary share one recording. Never set it for a student's grade.
_rec_hash() {
	local cfg=$1
	shift
	{ sha1sum <"$top/$build/muxlab"; sha1sum <"$cfg"
	  echo "$* ${opt_bug:-} $duration"; } | sha1sum | cut -c1-16
}
_rec_cached() {
	local key=$1 h
	shift
	[ -n "${GRADE_CACHE:-}" ] || return 1
	h=$(_rec_hash "$@")
	_rec_hash_of[$key]=$h
	[ -f "$GRADE_CACHE/$h.rc" ] || return 1
	mkdir -p "$grade_out/traces"
	rm -rf "$trace"
	cp -a "$GRADE_CACHE/$h" "$trace" &&
		cp "$GRADE_CACHE/$h.log" "$grade_out/$key.record.log" || return 1
	_rec_rc[$key]=$(cat "$GRADE_CACHE/$h.rc")
	case ${_rec_rc[$key]} in 0|3) return 0 ;; esac
	return 1	# not a usable recording: record again
}
_rec_store() {
	local key=$1 rc=$2 h=${_rec_hash_of[$1]:-}
	[ -n "${GRADE_CACHE:-}" ] && [ -n "$h" ] || return 0
	case $rc in 0|3) ;; *) return 0 ;; esac
	mkdir -p "$GRADE_CACHE" &&
		cp -a "$trace" "$GRADE_CACHE/$h" &&
		cp "$grade_out/$key.record.log" "$GRADE_CACHE/$h.log" &&
		echo "$rc" >"$GRADE_CACHE/$h.rc"
}

# record_trace KEY SCENARIO MODE [lab/record ARGS...]: record one run of
# SCENARIO (a name in the exercise's scenarios/ or lab/scenarios/, or a
# path) in MODE with lab/record, on free ports, for $duration seconds
# unless ARGS say --duration. Cached by KEY: a second call is free. Sets
# $trace and $record_rc (lab/record's exit status: 3 = muxlab reported a
# leak at exit, which leaves a usable trace). A trace LTTng lost events
# from is inconclusive: never graded.
record_trace() {
	local key=$1 scen=$2 mode=$3 cfg out log rc
	shift 3
	trace=$grade_out/traces/$key
	if [ -z "${_rec_done[$key]:-}" ]; then
		_rec_done[$key]=1
		need_build || { _rec_why[$key]=$why; _rec_rc[$key]=99; }
		if [ -z "${_rec_why[$key]:-}" ]; then
			if ! cfg=$(_scenario "$scen"); then
				_rec_why[$key]="no scenario '$scen'"
				_rec_rc[$key]=99
			fi
		fi
		if [ -z "${_rec_why[$key]:-}" ] && _rec_cached "$key" "$cfg" \
			"$mode" "$@"; then
			:
		elif [ -z "${_rec_why[$key]:-}" ]; then
			mkdir -p "$grade_out/traces"
			rm -rf "$trace"
			remap_ports "$cfg" "$grade_out/$key.cfg"
			log=$grade_out/$key.record.log
			MUXLAB_BIN=$top/$build/muxlab MUXVIEW_BIN=$top/$build/muxview \
			timeout -k 5 $((duration + 60)) "$top/lab/record" \
				--mode "$mode" --duration "$duration" \
				${opt_bug:+--bug "$opt_bug"} --out "$trace" "$@" \
				"$grade_out/$key.cfg" >"$log" 2>&1 </dev/null
			rc=$?
			_rec_rc[$key]=$rc
			_rec_store "$key" $rc
			case $rc in
			0|3) ;;
			4)	_rec_why[$key]="INCONCLUSIVE: LTTng discarded events in the $mode run; run lab/grade again" ;;
			5)	_rec_why[$key]="INCONCLUSIVE: tracing could not be set up ($(grep -m1 -v '^$' "$log" | cut -c1-120))" ;;
			124|137) _rec_why[$key]="the $mode run of $scen did not end within $((duration + 60)) s (hang?)" ;;
			13[0-9]|1[4-5][0-9])
				# a crash: the trace up to it is still there
				# (LTTng's buffers outlive the process) and is
				# graded; run_ends_cleanly says why it died
				find "$trace" -name metadata 2>/dev/null | grep -q . ||
				_rec_why[$key]="$(crash_why "$log" $rc "$mode run of $scen")" ;;
			*)	_rec_why[$key]="the $mode run of $scen failed (lab/record exit $rc: $(grep -m1 -iE 'error|fail|cannot|:[0-9]+:' "$log" | cut -c1-120))" ;;
			esac
		fi
	fi
	record_rc=${_rec_rc[$key]}
	if [ -n "${_rec_why[$key]:-}" ]; then
		why=${_rec_why[$key]}
		if [ -n "${_rec_told[$key]:-}" ]; then
			case $why in
			INCONCLUSIVE*) why="INCONCLUSIVE: see above" ;;
			*) why="not graded: the $key run failed (see above)" ;;
			esac
			show=""
			return 1
		fi
		_rec_told[$key]=1
		case $why in INCONCLUSIVE*) grade_inconclusive=1 ;; esac
		show="lab/record --mode $mode${*:+ $*} $scen   (log: $(_rel "$grade_out/$key.record.log"))"
		return 1
	fi
	return 0
}

# _crash_where LOG: where muxlab died, from the backtrace its crash
# handler wrote ("muxlab(+0xOFFSET)" frames after "fatal signal"), through
# addr2line: "in f (src/x.c:N), called from g (src/y.c:M)", or nothing
_crash_where() {
	local bin=$build/muxlab offs
	case $build in /*) ;; *) bin=$top/$build/muxlab ;; esac
	type -P addr2line >/dev/null 2>&1 && [ -x "$bin" ] || return 0
	# Frames are return addresses (the instruction after a call): one
	# less names the call's line. Not the frame just after the signal
	# trampoline (the third: handler, trampoline, it) of a fault, which
	# is the faulting instruction itself; an abort()'s is abort's caller.
	offs=$(awk '/fatal signal .*backtrace:/ {
			on = 1; k = 0; fault = $0 !~ /SIGABRT/; next }
		on && k++ >= 0 && /muxlab\(\+0x[0-9a-f]+\)/ {
			match($0, /\(\+0x[0-9a-f]+\)/)
			a = substr($0, RSTART + 4, RLENGTH - 5)
			v = 0
			for (i = 1; i <= length(a); i++)
				v = v * 16 + index("0123456789abcdef", substr(a, i, 1)) - 1
			if (!(fault && k == 3))
				v--
			printf "0x%x\n", v
		}' "$1" | head -n 12)
	[ -n "$offs" ] || return 0
	# shellcheck disable=SC2086
	addr2line -f -i -p -e "$bin" $offs 2>/dev/null | sed "s|$top/||" | awk '
		{ sub(/^ *\(inlined by\) /, "") }
		$1 == "crash_handler" || $1 == "??" || / at \?\?:/ { next }
		{ sub(/ at /, " ("); sub(/ \(discriminator [0-9]+\)/, ""); w[n++] = $0 ")" }
		END {
			if (n) printf " in %s", w[0]
			if (n > 1) printf ", called from %s", w[1]
			# and the first mux frame, where the exercises write
			if (w[0] ~ /src\/mux_/ || w[1] ~ /src\/mux_/)
				exit
			for (i = 2; i < n; i++)
				if (w[i] ~ /src\/mux_/) {
					printf ", ... from %s", w[i]
					exit
				}
		}'
}

# crash_why LOG RC WHAT: one line on how muxlab died in WHAT (and where,
# when its crash handler left a backtrace)
crash_why() {
	local bug where
	bug=$(grep -m1 '^BUG at ' "$1" | sed "s|$top/||")
	where=$(_crash_where "$1")
	echo "muxlab died by signal $(($2 - 128)) in the $3${where:+,$where}${bug:+: $bug}" \
		"(see $(_rel "$1"))"
}

# run_ends_cleanly KEY: the recorded run KEY (record_trace first) ended
# with exit 0: no crash, no leak reported at exit
run_ends_cleanly() {
	local log=$grade_out/$1.record.log
	case ${_rec_rc[$1]:-x} in
	0) return 0 ;;
	3) why="muxlab reported a leak at exit: $(grep -m1 -i 'leak' "$log" | cut -c1-240) (see $(_rel "$log"))" ;;
	13[0-9]|1[4-5][0-9]) why=$(crash_why "$log" "${_rec_rc[$1]}" "$1 run") ;;
	*) why="the $1 run did not end cleanly (lab/record exit ${_rec_rc[$1]:-?}, see $(_rel "$log"))" ;;
	esac
	return 1
}

# _cache TRACE: where what the grader derives from TRACE is kept (never
# beside the trace: shipped traces stay untouched)
_cache() {
	local c
	c=$(cd "$1" 2>/dev/null && pwd || echo "$1")
	c=${c//\//_}
	mkdir -p "$grade_out/cache"
	echo "$grade_out/cache/$c"
}

# _events TRACE: the event table (events.awk), made once per trace
_events() {
	local c
	c=$(_cache "$1")
	if [ ! -s "$c.events" ]; then
		babeltrace2 "$1" 2>"$c.bt-err" |
			awk -f "$top/exercises/lib/events.awk" >"$c.events"
	fi
	echo "$c.events"
}

# fact TRACE KEY: one fact of facts.awk about TRACE (0 if absent)
fact() {
	local c
	c=$(_cache "$1")
	[ -s "$c.facts" ] || awk -f "$top/exercises/lib/facts.awk" \
		"$(_events "$1")" >"$c.facts"
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
		"$c.facts"
}

# fact_pos TRACE KEY WHAT: fact KEY is above 0, else why = "no WHAT";
# keeps a check from passing on a run where nothing happened
fact_pos() {
	[ "$(fact "$1" "$2")" != 0 ] && return 0
	why="no $3 in the run"
	show=$(show_event "$1" "")
	return 1
}

# show_event TRACE EV: the command that opens the viewer on event EV
show_event() {
	if [ "$2" = end ] || [ -z "$2" ]; then
		echo "$build/muxview $(_rel "$1")"
	else
		echo "$build/muxview --event $2 $(_rel "$1")"
	fi
}

# the line of the event table for event EV of TRACE
event_line() {
	awk -v e="$2" '$1 == e { $1 = "#" $1; print; exit }' "$(_events "$1")"
}

# no_bad TRACE WHAT KEY...: the mistakes bad.KEY (facts.awk) are all 0;
# else why = "N WHAT (KEY), first at event #E: <the event>"
no_bad() {
	local t=$1 what=$2 k n first
	shift 2
	for k; do
		n=$(fact "$t" "bad.$k")
		[ "$n" = 0 ] && continue
		first=$(fact "$t" "bad.$k.first")
		if [ "$first" = end ]; then
			why="$n $what ($k), seen at the end of the run"
		else
			why="$n $what ($k), first at event #$first: $(event_line "$t" "$first")"
		fi
		show=$(show_event "$t" "$first")
		return 1
	done
	return 0
}

# inv_ok TRACE [--mux M] N...: muxview --check says invariants N hold. With
# --mux, only violations whose event belongs to mux M count.
inv_ok() {
	local t=$1 mux="" rc n line ev inv c
	shift
	if [ "$1" = --mux ]; then mux=$2; shift 2; fi
	c=$(_cache "$t")
	if [ ! -s "$c.check" ]; then
		"$top/$build/muxview" --check -v "$t" >"$c.check" 2>&1
		echo $? >"$c.check.rc"
	fi
	rc=$(cat "$c.check.rc")
	if [ "$rc" = 2 ]; then
		why="INCONCLUSIVE: muxview --check: $(grep -m1 -iE 'inconclusive|error|discarded' "$c.check")"
		show="$build/muxview --check $(_rel "$t")"
		grade_inconclusive=1
		return 1
	fi
	for n; do
		grep -qE "^invariant $n " "$c.check" || {
			why="muxview --check does not know invariant $n"
			return 1; }
		# the first violation of invariant n (with --mux, of that mux:
		# its event's, else its related event's; one with neither, a
		# lock alone, counts for every mux). One pass over the events.
		line=$(awk -v n="$n" -v want="$mux" '
			FNR == NR {
				if ($1 == "VIOLATION") {
					cur = 0
					if ($2 != "inv" n)
						next
					if (want == "") { print; exit }
					ev = $4; sub(/^#/, "", ev)
					cur = ++k; vev[k] = ev; vline[k] = $0; need[ev] = 1
				} else if ($1 == "related:" && cur) {
					r = $3; sub(/^#/, "", r); vrel[cur] = r; need[r] = 1
				}
				next
			}
			!k { exit }
			$1 in need {
				mx[$1] = ""
				if (match($0, / mux=[a-z0-9]+/))
					mx[$1] = substr($0, RSTART + 5, RLENGTH - 5)
			}
			END {
				for (i = 1; i <= k; i++) {
					m = mx[vev[i]]
					if (m == "" && vrel[i] != "")
						m = mx[vrel[i]]
					if (m == "" || m == want) { print vline[i]; exit }
				}
			}' "$c.check" "$(_events "$t")") || {
			why="reading muxview --check's violations failed (awk)"
			return 1; }
		if [ -n "$line" ]; then
			ev=${line#*event #}
			ev=${ev%% *}
			inv=$n
			why="invariant $inv ($(sed -n "s/^invariant $inv  *\(.*[^ ]\)  *FAIL.*/\1/p" "$c.check")) broken: ${line#VIOLATION inv$n }"
			show=$(show_event "$t" "$ev")
			return 1
		fi
	done
	return 0
}

# answers_table FILE: the answers written in FILE, one "key<TAB>value"
# line each, as a student may write them: "key: value" with blanks allowed
# around the key and the colon, any case for the key (printed in lower
# case), DOS line ends, and a note after the value that starts with a
# blank then "#" and no digit ("123  # the first one"; "#123" and
# "event #123" are values). A key still at the template's "?" (or empty)
# counts as unanswered, and the first line that answers a key wins, so a
# "key: ?" line left above the answer does not hide it. Case of the value
# kept (paths).
answers_table() {
	[ -f "$1" ] || return 0
	awk '{
		sub(/\r$/, "")
		if (!match($0, /^[ \t]*[A-Za-z0-9_.]+[ \t]*:/))
			next
		k = substr($0, RSTART, RLENGTH - 1)
		gsub(/[ \t]/, "", k)
		k = tolower(k)
		v = substr($0, RSTART + RLENGTH)
		sub(/^[ \t]+/, "", v)
		sub(/[ \t]+#([^0-9].*)?$/, "", v)
		sub(/[ \t]+$/, "", v)
		if (v == "" || v == "?" || (k in seen))
			next
		seen[k] = 1
		print k "\t" v
	}' "$1"
}

# ans_int VALUE: VALUE as a whole number, "" if it is not one. Accepted
# around the number: a label before it ("#123", "event #123",
# "conn=42", "tl 43", "T0", "thread 1", "tid=0"), thousands commas
# ("1,234"), leading zeros, and a note after a blank or in parentheses
# ("9 (0.4 %)", "5 times"); not another number after it ("123-130", "123 or 130").
ans_int() {
	local v=${1,,} prev=""
	while [ "$v" != "$prev" ]; do
		prev=$v
		v=${v#"${v%%[![:space:]#=:]*}"}	# blanks, "#", "=", ":"
		case $v in
		event*) v=${v#event} ;;
		connection*) v=${v#connection} ;;
		conn*) v=${v#conn} ;;
		tasklet*) v=${v#tasklet} ;;
		old_tl*) v=${v#old_tl} ;;
		from_tid*) v=${v#from_tid} ;;
		to_tid*) v=${v#to_tid} ;;
		thread*) v=${v#thread} ;;
		tid*) v=${v#tid} ;;
		tl*) v=${v#tl} ;;
		t[0-9]*) v=${v#t} ;;
		esac
	done
	[[ $v =~ ^([0-9]{1,3}(,[0-9]{3})+|[0-9]+)([[:space:]]*\(.*|[[:space:]][^0-9]*)?$ ]] ||
		return 0
	v=${BASH_REMATCH[1]//,/}
	echo "$((10#$v))"
}

# ans_word VALUE: VALUE as one lower-case word: "locked", "Locked",
# "path=locked", "the locked path" -> "locked"; a note after it dropped
ans_word() {
	local v=${1,,}
	v=${v%%[[:space:]](*}
	v=${v#the }
	v=${v#*=}
	v=${v% path}
	v=${v#"${v%%[![:space:]]*}"}
	v=${v%"${v##*[![:space:]]}"}
	echo "$v"
}

# ans_ratio VALUE: VALUE as a decimal number ("1.25", "1,25", ".5",
# "1.25 (5000/4000)", "1.25 per request"), "" if it is not one (nor
# "1.25 or 1.3")
ans_ratio() {
	local v=${1%%[[:space:]]*} rest=${1#"${1%%[[:space:]]*}"}
	rest=${rest#"${rest%%[![:space:]]*}"}
	[[ -z $rest || $rest == \(* || $rest != *[0-9]* ]] || return 0
	[[ $v =~ ^[0-9]*,[0-9]+$ ]] && v=${v/,/.}
	[[ $v =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] && echo "$v"
}

# answer KEY: the answer to KEY in the exercise's answers.txt (or lab/grade
# --answers FILE), lower case; "" if none (answers_table)
answer() {
	local f=${answers_file:-$ex_dir/answers.txt}
	[ -f "$f" ] || { echo ""; return; }
	answers_table "$f" | awk -v k="${1,,}" '{
		t = index($0, "\t")
		if (substr($0, 1, t - 1) == k) { print tolower(substr($0, t + 1)); exit } }'
}

# answer_num KEY: the answer as a whole number (ans_int), "" if none
answer_num() {
	ans_int "$(answer "$1")"
}

# expect_answer KEY WANT WHAT: the answer to KEY equals WANT (a number or
# a word computed by the grader); why says what was asked, never WANT
expect_answer() {
	local key=$1 want=$2 what=$3 got
	got=$(answer "$key")
	if [ -z "$got" ]; then
		why="no answer to '$key' ($what) in $(_rel "${answers_file:-$ex_dir/answers.txt}")"
		return 1
	fi
	case $want in
	[0-9]*) got=$(answer_num "$key") ;;
	esac
	[ "$got" = "$want" ] && return 0
	why="'$key' ($what): '$(answer "$key")' is not right"
	return 1
}

# tsan_clean SCENARIO SECONDS: build muxlab with ThreadSanitizer (make
# tsan: build-tsan/muxlab) and run SCENARIO for SECONDS, untraced, with a
# tenth of its request rates and ten times its servers' idle timeouts (the
# sanitizer slows the engine 5-15x); passes if TSan reports nothing and
# the run ends with exit 0.
tsan_clean() {
	local scen=$1 secs=$2 cfg log=$grade_out/tsan.log rc n
	need_build || return 1
	if ! make -C "$top" --no-print-directory -j2 tsan \
		>"$grade_out/tsan-build.log" 2>&1; then
		why="make tsan failed: $(grep -m1 -E 'error' "$grade_out/tsan-build.log")"
		return 1
	fi
	cfg=$(_scenario "$scen") || { why="no scenario '$scen'"; return 1; }
	remap_ports "$cfg" "$grade_out/tsan.ports.cfg"
	slow_scenario "$grade_out/tsan.ports.cfg" "$grade_out/tsan.cfg"
	# setarch -R: TSan on some kernels needs ASLR off. In a subshell whose
	# stderr is the log: a crash's "Aborted" line from bash goes there too
	( MUXLAB_PEER_DIR=$top/$build TSAN_OPTIONS="halt_on_error=0 ${TSAN_OPTIONS:-}" \
		timeout -k 5 $((secs + 60)) setarch "$(uname -m)" -R \
		"$top/build-tsan/muxlab" -f "$grade_out/tsan.cfg" \
		--duration "$secs" ${opt_bug:+--bug "$opt_bug"} </dev/null
	  exit $? ) >"$log" 2>&1
	rc=$?
	n=$(grep -c 'WARNING: ThreadSanitizer' "$log")
	if [ "$n" != 0 ]; then
		why="$n ThreadSanitizer report(s), first: $(grep -m1 -A3 'WARNING: ThreadSanitizer' "$log" | grep -m1 -E '#0 ' | sed 's/^ *//' | cut -c1-100)"
		show="less $(_rel "$log")"
		return 1
	fi
	case $rc in
	0) return 0 ;;
	3) why="no data race, but the ThreadSanitizer run reported a leak at exit: $(grep -m1 -i 'leak' "$log" | cut -c1-240) (see $(_rel "$log"))" ;;
	124|137) why="the ThreadSanitizer run did not end within $((secs + 60)) s (see $(_rel "$log"))" ;;
	13[0-9]|1[4-5][0-9]) why="no data race reported, but $(crash_why "$log" "$rc" "ThreadSanitizer run")" ;;
	*) why="no data race reported, but the ThreadSanitizer run ended with exit $rc (see $(_rel "$log"))" ;;
	esac
	return 1
}
