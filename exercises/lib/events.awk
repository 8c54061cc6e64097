# exercises/lib/events.awk - babeltrace2's text output -> one line per event
#
#   babeltrace2 TRACE | awk -f events.awk
#
# prints, for every muxlab event, "N NAME field=value ..." where N is the
# event number muxview uses (0-based, timestamp order, which is the order
# babeltrace2 prints), enums as their labels and strings without quotes
# (a space inside a string becomes "_"). The grader reads this table, not
# muxview's code: a second reader of the same trace.
{
	if (!match($0, / muxlab:[a-z0-9_]+: /))
		next
	name = substr($0, RSTART + 8, RLENGTH - 10)
	# the payload is the last "{ ... }" of the line
	p = $0
	sub(/.*\}, \{ /, "", p)
	sub(/ \}$/, "", p)
	# enums: ( "label" : container = N )  ->  label
	while (match(p, /\( "[^"]*" : container = -?[0-9]+ \)/)) {
		e = substr(p, RSTART, RLENGTH)
		sub(/^\( "/, "", e)
		sub(/" : container.*/, "", e)
		p = substr(p, 1, RSTART - 1) e substr(p, RSTART + RLENGTH)
	}
	# strings: "a b" -> a_b
	while (match(p, /"[^"]*"/)) {
		s = substr(p, RSTART + 1, RLENGTH - 2)
		gsub(/ /, "_", s)
		p = substr(p, 1, RSTART - 1) s substr(p, RSTART + RLENGTH)
	}
	n = split(p, f, /, /)
	out = (nev + 0) " " name
	for (i = 1; i <= n; i++) {
		kv = f[i]
		sub(/ = /, "=", kv)
		out = out " " kv
	}
	print out
	nev++
}
