#!/usr/bin/env bash
# timeout: 120
# ex07_purge.sh - exercise 07's race, both ways, on the reference tree:
#   - `--bug purge-reinsert` on lab/scenarios/purge-window.cfg (2 s, its
#     purge-window delay point on): an io_cb puts a connection the purge
#     queued for destruction back into an idle list; muxview --check fails
#     invariant 7 and no other, the engine survives it (exit 0, no leak)
#     and drops the re-inserted connection when it finds it (purge_race);
#   - the fixed code on the same scenario: the window is exercised (io_cb
#     runs on purged connections) and invariant 7 holds, with every other.
# exercises/07-purge-window/window.awk, the grader's second reader, must
# agree with muxview both times. Then the grader's source check on edited
# copies of the reference's muxes: it passes the reference, a fix through
# a function of one's own and a test in the epilogue under its lock, and
# fails the LIST bits alone, a fix that is only a comment, and a test made
# outside any section of the lock.
. "$(dirname "$0")/common.bash"
need_muxlab ex07_purge
for t in lttng lttng-sessiond babeltrace2; do
	have $t || { fail "ex07_purge: $t not installed (make deps)"; exit 1; }
done
ensure_sessiond || { fail "ex07_purge: $mxl_lttng_error"; exit 1; }
export MUXLAB_BIN=$muxlab MUXVIEW_BIN=$muxview

cfg=$tmp/purge-window.cfg
remap_ports "$top/lab/scenarios/purge-window.cfg" "$cfg"

# window TRACE KEY: a fact of window.awk
window() {
	babeltrace2 "$1" 2>/dev/null | awk -f "$top/exercises/lib/events.awk" |
		awk -f "$top/exercises/07-purge-window/window.awk" |
		awk -v k="$2" '$1 == k { print $2 }'
}

for run in bug fixed; do
	out=$tmp/$run
	args=()
	[ $run = bug ] && args=(--bug purge-reinsert)
	"$top/lab/record" "${args[@]}" --duration 2 --out "$out" "$cfg" \
		>"$tmp/$run.log" 2>&1
	rc=$?
	if [ $rc = 0 ] && [ "$(tail -n 1 "$tmp/$run.log")" = "$out" ]; then
		pass "$run: lab/record exit 0 (no crash, no leak)"
	else
		fail "$run: lab/record exit $rc"
		tail -n 8 "$tmp/$run.log" | sed 's/^/    /'
		[ -d "$out" ] || continue
	fi
	woken=$(window "$out" woken)
	[ "${woken:-0}" -gt 0 ] &&
		pass "$run: $woken io_cb on purged connections ($(window "$out" purged) purged)" ||
		fail "$run: no io_cb ran on a purged connection: the window was not exercised"

	"$muxview" --check "$out" >"$tmp/$run.check" 2>&1
	st=$?
	inv7=$(grep '^invariant 7 ' "$tmp/$run.check")
	others=$(grep '^invariant' "$tmp/$run.check" | grep -v '^invariant 7 ' |
		 grep -c FAILED)
	reinsert=$(window "$out" reinsert)
	if [ $run = bug ]; then
		if [ $st = 1 ] && echo "$inv7" | grep -q FAILED && [ "$others" = 0 ]; then
			pass "bug: muxview --check fails invariant 7 only ($(echo "$inv7" | sed 's/.*FAILED *//'))"
		else
			fail "bug: muxview --check exit $st, '$inv7', $others other invariants failed"
			grep -m3 '^VIOLATION' "$tmp/$run.check" | sed 's/^/    /'
		fi
		n7=$(echo "$inv7" | sed -n 's/.*FAILED \([0-9]*\) violation.*/\1/p')
		[ "${reinsert:-0}" -gt 0 ] && [ "$reinsert" -le "${n7:-0}" ] &&
			pass "bug: window.awk sees $reinsert re-inserts too" ||
			fail "bug: window.awk sees ${reinsert:-0} re-inserts, muxview ${n7:-0} violations"
		race=$(sed -n 's/^purge_race //p' "$tmp/$run.log" | tail -n 1)
		[ "${race:-0}" -gt 0 ] &&
			pass "bug: the engine dropped $race re-inserted connections (purge_race)" ||
			fail "bug: purge_race is '${race:-none}' in the activity report"
	else
		if [ $st = 0 ] && echo "$inv7" | grep -q ' ok '; then
			pass "fixed: muxview --check OK, invariant 7 holds"
		else
			fail "fixed: muxview --check exit $st, '$inv7'"
			grep -m3 '^VIOLATION' "$tmp/$run.check" | sed 's/^/    /'
		fi
		[ "${reinsert:-x}" = 0 ] && pass "fixed: window.awk sees no re-insert" ||
			fail "fixed: window.awk sees ${reinsert:-?} re-inserts"
	fi
done
# The grader's source check (t_source in exercises/07-purge-window/
# grade.sh), on copies of the reference's three muxes: the reference
# passes, so do a fix through a function of one's own with a digit in its
# name and a test in the epilogue under its lock; it fails when h1_io_cb
# takes the LIST bits alone, when the fix is only a comment, and when the
# test is made outside any section of the lock.
src=$tmp/src-check
mkdir -p "$src/src"
# variant NAME SED-SCRIPT: the three muxes, h1 edited by SED-SCRIPT; then
# t_source on them: prints OK or FAIL: why
variant() {
	local real=$top
	cp "$real"/src/mux_h2.c "$real"/src/mux_fcgi.c "$src/src/"
	sed "$2" "$real/src/mux_h1.c" >"$src/src/mux_h1.c"
	(
		eval "$(sed -n '/^p7_io_cb()/,/^}/p;/^p7_locked()/,/^}/p;/^t_source()/,/^}/p' \
			"$real/exercises/07-purge-window/grade.sh")"
		top=$src why=""
		if t_source; then echo OK; else echo "FAIL: $why"; fi
	)
}
bits='s/conn_in_list = _conn_in_idle_list(conn);/conn_in_list = conn->flags \& CO_FL_LIST_MASK;/'
while IFS='|' read -r name want script has; do
	got=$(variant "$name" "$script")
	# the edit took: the variant holds what it is about
	[ -z "$has" ] || grep -qF "$has" "$src/src/mux_h1.c" || got="(edit missed: no '$has')"
	case $got in
	"$want"*) pass "source check: $name: ${got:0:90}" ;;
	*) fail "source check: $name: got '$got', want $want" ;;
	esac
done <<EOT
the reference|OK|s/^//|
a function of one's own (h1_linked2)|OK|s/_conn_in_idle_list(conn);/h1_linked2(conn);/|h1_linked2(conn)
the LIST bits alone|FAIL|$bits|CO_FL_LIST_MASK;
a comment naming the to-remove list|FAIL|$bits; s#\(conn_in_list = conn->flags .*;\)#\1 /* toremove_list, list_inlist */#|/* toremove_list
the test in the epilogue, under its lock|OK|$bits; s#^\t\t_srv_insert_conn(srv, conn, conn_in_list#\t\tif (!list_inlist(\&conn->toremove_list))\n\t\t_srv_insert_conn(srv, conn, conn_in_list#|if (!list_inlist(&conn->toremove_list))
the test after the prologue's unlock, outside any lock|FAIL|$bits; s#^\tif (!ret \&\& conn_in_list) {#\tif (list_inlist(\&conn->toremove_list))\n\t\tconn_in_list = 0;\n\tif (!ret \&\& conn_in_list) {#|if (list_inlist(&conn->toremove_list))
EOT
[ $nfail = 0 ] || keep_tmp=1
[ $nfail = 0 ] || echo "traces kept in $tmp"
exit $((nfail > 0))
