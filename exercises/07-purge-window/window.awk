# exercises/07-purge-window/window.awk - what happened in the purge window
#
#   awk -f window.awk TABLE          (TABLE: exercises/lib/events.awk's)
#
# A connection is "purged" from its idle_insert list=toremove until its
# idle_remove list=toremove or its conn_free. Prints "KEY VALUE" lines:
#   purged          idle_insert list=toremove events
#   woken           io_cb events of a purged connection (the window was
#                   exercised: I/O reached a connection queued for
#                   destruction)
#   woken.first     the first of them (event number), or "-"
#   woken.MUX       the same per mux (h1, h2, fcgi)
#   reinsert        idle_insert into idle/safe/avail of a purged connection
#   reinsert.first  the first of them, or "-"
#   reinsert.MUX    the same per mux
# The grader reads the trace through this table, apart from muxview.
function val(k,    i, kv) {
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == k)
			return kv[2]
	}
	return ""
}
$2 == "idle_insert" {
	c = val("conn")
	if (val("list") == "toremove") {
		purged[c] = 1
		np++
	} else if (c in purged) {
		nr++
		nrm[val("mux")]++
		if (fr == "")
			fr = $1
	}
	next
}
$2 == "idle_remove" && val("list") == "toremove" { delete purged[val("conn")]; next }
$2 == "conn_free" { delete purged[val("conn")]; next }
$2 == "io_cb" && (val("conn") in purged) {
	nw++
	nwm[val("mux")]++
	if (fw == "")
		fw = $1
}
END {
	printf "purged %d\nwoken %d\nwoken.first %s\n", np, nw, fw == "" ? "-" : fw
	printf "reinsert %d\nreinsert.first %s\n", nr, fr == "" ? "-" : fr
	split("h1 h2 fcgi", mx, " ")
	for (i = 1; i <= 3; i++)
		printf "woken.%s %d\nreinsert.%s %d\n", mx[i], nwm[mx[i]], mx[i], nrm[mx[i]]
}
