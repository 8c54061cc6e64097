# exercise 01 - reading a trace. Sourced by lab/grade.
#
# Nothing is built or recorded: every right answer is computed here, at
# grading time, from the shipped traces (traces/default-usr1,
# traces/default-legacy, traces/h2-usr1) with babeltrace2, events.awk and
# facts.awk, plus two small passes over the event table below. No figure
# is stored, so a trace recorded again keeps the exercise right (only the
# key answers, key/answers.txt, must be written again).

r1_afile=${answers_file:-$ex_dir/answers.txt}
r1_usr1=$top/traces/default-usr1
r1_legacy=$top/traces/default-legacy
r1_h2=$top/traces/h2-usr1

# The answers, read once (gradelib's answers_table: any key case, DOS
# line ends, a "?" line left above an answer, notes after a blank and
# "#"): r1_a[KEY] = the value, lower case
declare -A r1_a=()
while IFS=$'\t' read -r k v; do
	r1_a[$k]=${v,,}
done < <(answers_table "$r1_afile")
r1_answer() { echo "${r1_a[$1]:-}"; }

# r1_int KEY: the answer as a whole number ("#123", "event 123",
# "conn=42", "T0" -> 123, 123, 42, 0), "" if it is not one (ans_int)
r1_int() { ans_int "$(r1_answer "$1")"; }

# r1_bad: the wrong answers of the current check, collected by r1_want*
r1_bad=()

# r1_want KEY WANT WHAT: KEY's answer is the whole number WANT
r1_want() {
	local key=$1 want=$2 what=$3 got
	got=$(r1_answer "$key")
	if [ -z "$got" ]; then
		r1_bad+=("no answer to '$key' ($what)")
	elif [ -z "$(r1_int "$key")" ]; then
		r1_bad+=("'$key' ($what): '$got' is not a number (write it like 123 or #123)")
	elif [ "$(r1_int "$key")" != "$want" ]; then
		r1_bad+=("'$key' ($what): '$got' is not right")
	fi
}

# r1_want_word KEY WANT WHAT: KEY's answer is the word WANT
r1_want_word() {
	local key=$1 want=$2 what=$3 got
	got=$(r1_answer "$key")
	if [ -z "$got" ]; then
		r1_bad+=("no answer to '$key' ($what)")
	elif [ "$(ans_word "$got")" != "$want" ]; then
		r1_bad+=("'$key' ($what): '$got' is not right")
	fi
}

# r1_want_ratio KEY A B WHAT: KEY's answer is A/B rounded to 2 decimals
# (or with more decimals, within the same 0.005)
r1_want_ratio() {
	local key=$1 a=$2 b=$3 what=$4 got num ok
	got=$(r1_answer "$key")
	if [ -z "$got" ]; then
		r1_bad+=("no answer to '$key' ($what)")
		return
	fi
	num=$(ans_ratio "$got")
	if [ -z "$num" ]; then
		r1_bad+=("'$key' ($what): '$got' is not a number (write it like 1.25)")
		return
	fi
	ok=$(awk -v g="$num" -v a="$a" -v b="$b" 'BEGIN {
		w = b > 0 ? a / b : -1; d = g - w; if (d < 0) d = -d
		print (w >= 0 && d <= 0.005 + 1e-9) ? 1 : 0 }')
	[ "$ok" = 1 ] || r1_bad+=("'$key' ($what): '$got' is not right (2 decimals)")
}

# r1_done: the check passes if nothing was collected; else why lists
# the first two wrong answers
r1_done() {
	local n=${#r1_bad[@]}
	[ "$n" = 0 ] && return 0
	why=${r1_bad[0]}
	[ "$n" -lt 2 ] || why="$why; ${r1_bad[1]}"
	[ "$n" -le 2 ] || why="$why; and $((n - 2)) more"
	r1_bad=()
	return 1
}

# r1_traces: the three traces are there and load (babeltrace2); their
# facts (facts.awk) are read once into r1_f["TRACE KEY"]
declare -A r1_f=()
r1_state="" r1_why=""
r1_traces() {
	local t k v
	if [ -z "$r1_state" ]; then
		r1_state=ok
		if ! command -v babeltrace2 >/dev/null 2>&1; then
			r1_state=inconclusive
			r1_why="babeltrace2 is not installed (make deps): the grader reads the traces with it"
		fi
		for t in "$r1_usr1" "$r1_legacy" "$r1_h2"; do
			[ $r1_state = ok ] || break
			if [ -f "$t/metadata" ]; then
				while read -r k v; do
					r1_f[$t $k]=$v
				done < <(awk -f "$top/exercises/lib/facts.awk" "$(_events "$t")")
			fi
			if [ "${r1_f[$t events]:-0}" = 0 ]; then
				r1_state=failed
				r1_why="$(_rel "$t") is missing or unreadable (traces/verify.sh)"
			fi
		done
	fi
	[ $r1_state = ok ] && return 0
	why=$r1_why
	[ $r1_state = inconclusive ] && grade_inconclusive=1
	return 1
}

# r1_fact TRACE KEY: a fact of TRACE (0 if absent)
r1_fact() { echo "${r1_f[$1 $2]:-0}"; }

# r1_table TRACE NAME AWK: the output of AWK run on TRACE's event table
# (events.awk: "N name k=v ..."), kept in the work dir as NAME
r1_table() {
	local out
	out=$(_cache "$1").$2
	[ -s "$out" ] || awk "$3" "$(_events "$1")" >"$out"
	echo "$out"
}

# The io_cb events of default-usr1 that are a connection woken while idle
# (its server closed it, or sent something): the back io_cb that took the
# locked path while its conn sat in an idle or safe list, run by the
# conn's own tasklet, not by an old tasklet about to find itself stolen
# (that io_cb ends in io_cb_stolen). Lines: "EVENT CONN".
r1_idle_wakes() {
	r1_table "$r1_usr1" idlewake '
	function kv(k,   i) {
		for (i = 3; i <= NF; i++)
			if (index($i, k "=") == 1)
				return substr($i, length(k) + 2)
		return ""
	}
	$2 == "idle_insert" { l = kv("list"); if (l == "idle" || l == "safe") in_list[kv("conn")] = 1 }
	$2 == "idle_remove" || $2 == "conn_free" { delete in_list[kv("conn")] }
	$2 == "takeover" && kv("ok") == 1 { delete in_list[kv("conn")] }
	$2 == "io_cb" && kv("side") == "back" && kv("path") == "locked" &&
	    (kv("conn") in in_list) {
		cand[$1] = kv("conn"); last[kv("tl")] = $1
	}
	$2 == "io_cb" { last[kv("tl")] = $1 }
	$2 == "io_cb_stolen" { t = kv("tl"); if (t in last) delete cand[last[t]] }
	END { for (e in cand) print e, cand[e] }'
}

# How often each conn of h2-usr1 was taken over (ok=1): "CONN N" lines
r1_steals_per_conn() {
	r1_table "$r1_h2" steals '
	$2 == "takeover" && / ok=1/ {
		for (i = 3; i <= NF; i++)
			if ($i ~ /^conn=/) n[substr($i, 6)]++
	}
	END { for (c in n) print c, n[c] }'
}

# the path of the io_cb that ended in io_cb_stolen for tasklet TL (the
# last io_cb of TL before its io_cb_stolen) in TRACE
r1_stolen_path() {
	awk -v tl="$2" '
		$2 == "io_cb" && (" " $0 " ") ~ (" tl=" tl " ") {
			p = $0; sub(/.* path=/, "", p); sub(/ .*/, "", p) }
		$2 == "io_cb_stolen" && (" " $0 " ") ~ (" tl=" tl " ") { print p; exit }' \
		"$(_events "$1")"
}

# ---------------------------------------------------------------- checks

q_steal() {
	local t=$r1_usr1
	r1_traces || return 1
	r1_want steal.event "$(r1_fact $t steal.first)" "the event of the first steal"
	r1_want steal.conn "$(r1_fact $t steal.first.conn)" "the connection stolen"
	r1_want steal.old_tl "$(r1_fact $t steal.first.old_tl)" "the old tasklet"
	r1_want steal.from "$(r1_fact $t steal.first.from)" "the thread it was stolen from"
	r1_want steal.to "$(r1_fact $t steal.first.to)" "the thread that stole it"
	r1_done
}

q_fate() {
	local t=$r1_usr1
	r1_traces || return 1
	r1_want_word old_tl.path "$(r1_stolen_path $t "$(r1_fact $t steal.first.old_tl)")" \
		"the path its last io_cb took"
	r1_want old_tl.freed_event "$(r1_fact $t steal.first.freed)" \
		"the event where the old tasklet is freed"
	r1_want old_tl.freed_thread "$(r1_fact $t steal.first.freed_tid)" \
		"the thread it is freed on"
	r1_done
}

q_front() {
	r1_traces || return 1
	r1_want front_locked.usr1 "$(r1_fact "$r1_usr1" total.io_cb.front.locked)" \
		"front io_cb on the locked path, default-usr1"
	r1_want front_locked.legacy "$(r1_fact "$r1_legacy" total.io_cb.front.locked)" \
		"front io_cb on the locked path, default-legacy"
	r1_done
}

q_locks() {
	r1_traces || return 1
	r1_want_ratio locks_per_req.usr1 "$(r1_fact "$r1_usr1" lock_acq)" \
		"$(r1_fact "$r1_usr1" requests_ok)" "lock acquisitions per request, default-usr1"
	r1_want_ratio locks_per_req.legacy "$(r1_fact "$r1_legacy" lock_acq)" \
		"$(r1_fact "$r1_legacy" requests_ok)" "lock acquisitions per request, default-legacy"
	r1_done
}

q_locked() {
	local t=$r1_usr1
	r1_traces || return 1
	r1_want locked.total "$(r1_fact $t total.io_cb.locked)" \
		"io_cb on the locked path, default-usr1"
	r1_want locked.stolen "$(( $(r1_fact $t stolen.h1) + $(r1_fact $t stolen.h2) + $(r1_fact $t stolen.fcgi) ))" \
		"how many of them were stolen tasklets"
	r1_done
}

q_idle() {
	local ev conn ok_conn f
	r1_traces || return 1
	f=$(r1_idle_wakes)
	ev=$(r1_int idle_wake.event) conn=$(r1_int idle_wake.conn)
	if [ -z "$(r1_answer idle_wake.event)" ]; then
		r1_bad+=("no answer to 'idle_wake.event' (an io_cb of an idle connection woken by its server)")
	elif [ -z "$ev" ]; then
		r1_bad+=("'idle_wake.event': '$(r1_answer idle_wake.event)' is not an event number")
	else
		ok_conn=$(awk -v e="$ev" '$1 == e { print $2 }' "$f")
		if [ -z "$ok_conn" ]; then
			r1_bad+=("'idle_wake.event': #$ev is not the io_cb of an idle connection woken by its server")
			show=$(show_event "$r1_usr1" "$ev")
		elif [ -z "$(r1_answer idle_wake.conn)" ]; then
			r1_bad+=("no answer to 'idle_wake.conn' (its connection)")
		elif [ "$conn" != "$ok_conn" ]; then
			r1_bad+=("'idle_wake.conn': '$(r1_answer idle_wake.conn)' is not the connection of event #$ev")
		fi
	fi
	r1_done
}

q_legacy() {
	local t=$r1_legacy
	r1_traces || return 1
	r1_want legacy_steal.event "$(r1_fact $t steal.first)" \
		"the event of the first steal, default-legacy"
	r1_want legacy_steal.freed_event "$(r1_fact $t steal.first.freed)" \
		"the event where its old tasklet is freed"
	r1_done
}

q_h2_inserts() {
	r1_traces || return 1
	r1_want h2.avail_inserts "$(r1_fact "$r1_h2" insert.h2.avail)" \
		"idle_insert into the avail list, h2-usr1"
	r1_want h2.safe_inserts "$(r1_fact "$r1_h2" insert.h2.safe)" \
		"idle_insert into the safe list, h2-usr1"
	r1_done
}

q_h2_steals() {
	local f max conn times
	r1_traces || return 1
	f=$(r1_steals_per_conn)
	max=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$f")
	conn=$(r1_int h2.most_stolen.conn) times=$(r1_int h2.most_stolen.times)
	if [ -z "$(r1_answer h2.most_stolen.conn)" ]; then
		r1_bad+=("no answer to 'h2.most_stolen.conn' (the connection stolen most often)")
	elif [ -z "$conn" ] ||
	     [ "$(awk -v c="$conn" '$1 == c { print $2 }' "$f")" != "$max" ]; then
		r1_bad+=("'h2.most_stolen.conn': '$(r1_answer h2.most_stolen.conn)' is not the connection stolen most often")
	fi
	r1_want h2.most_stolen.times "$max" "how many times it was taken over"
	r1_done
}

echo "answers: $(_rel "$r1_afile")"
grade_test "Q1 the first steal (steal.*)" 15 q_steal
grade_test "Q2 the old tasklet's fate (old_tl.*)" 15 q_fate
grade_test "Q3 front io_cb that locked (front_locked.*)" 10 q_front
grade_test "Q4 lock acquisitions per request (locks_per_req.*)" 10 q_locks
grade_test "Q5 the locked io_cb of default-usr1 (locked.*)" 10 q_locked
grade_test "Q6 an idle connection woken by its server (idle_wake.*)" 10 q_idle
grade_test "Q7 the first steal before the commit (legacy_steal.*)" 10 q_legacy
grade_test "Q8 h2: where idle connections go (h2.*_inserts)" 10 q_h2_inserts
grade_test "Q9 h2: the connection stolen most often (h2.most_stolen.*)" 10 q_h2_steals
