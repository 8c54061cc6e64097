#!/usr/bin/env python3
"""exercises/07-purge-window/key/mkstarter.py - write ../starter.patch from
the committed reference (git HEAD): the fix cut out of the three io_cb
prologues (a TODO(07) in its place) and _conn_in_idle_list() removed from
src/server.[ch]. Fails loudly if a piece is no longer where it was."""
import difflib, os, re, subprocess, sys
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
def head(p):
    return subprocess.run(["git", "-C", TOP, "show", "HEAD:" + p],
                          capture_output=True, text=True, check=True).stdout
files = {p: head(p) for p in ["src/mux_h1.c", "src/mux_h2.c", "src/mux_fcgi.c",
                             "src/server.c", "src/server.h"]}
new = dict(files)
mux_old = """		/* Take the connection out of its list while we work
		 * on it, so that no stealer can find it meanwhile. Ask
		 * the list, not the LIST bits: a conn the purge queued
		 * for destruction keeps them and must not go back.
		 */
		conn_in_list = _conn_in_idle_list(conn);
"""
mux_new = """		/* Take the connection out of its list while we work
		 * on it, so that no stealer can find it meanwhile.
		 *
		 * TODO(07): conn_in_list also decides whether the
		 * epilogue puts the connection back into a list. Is
		 * this the right way to know which list it is in?
		 * (muxview --check, invariant 7)
		 */
		conn_in_list = conn->flags & CO_FL_LIST_MASK;
"""
for p in ["src/mux_h1.c", "src/mux_h2.c", "src/mux_fcgi.c"]:
    assert new[p].count(mux_old) == 1, p
    new[p] = new[p].replace(mux_old, mux_new)
s = new["src/server.c"]
old = """ * bugs (5e1b0e7bf, 9481cef94) re-inserted a dying conn into an idle list:
 * an io_cb that runs in it must not take the LIST bits for "in a list"
 * (_conn_in_idle_list(); BUG_PURGE_REINSERT puts the mistake back, and
 * _srv_drop_if_purged() keeps the lab alive when it happens).
"""
assert s.count(old) == 1
s = s.replace(old, """ * bugs (5e1b0e7bf, 9481cef94) re-inserted a dying conn into an idle list
 * (exercise 07; _srv_drop_if_purged() keeps the lab alive when it
 * happens).
""")
m = re.search(r"/\*\n \* _conn_in_idle_list - .*?\n}\n\n", s, re.S)
assert m
s = s[:m.start()] + s[m.end():]
new["src/server.c"] = s
s = new["src/server.h"]
m = re.search(r"/\* The io_cb prologue's test: .*?int _conn_in_idle_list\(const struct connection \*conn\);\n\n", s, re.S)
assert m
new["src/server.h"] = s[:m.start()] + s[m.end():]
out = ""
for p in files:
    if files[p] != new[p]:
        out += "".join(difflib.unified_diff(files[p].splitlines(True),
                                            new[p].splitlines(True),
                                            "a/" + p, "b/" + p))
open(TOP + "/exercises/07-purge-window/starter.patch", "w").write(out)
print(out.count("\n"), "lines")
