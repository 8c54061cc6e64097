#!/usr/bin/env python3
"""exercises/lib/mkstarter.py - (re)write the starter patches of the code
exercises (02, 03, 04, 06, 07) from the reference sources.

    python3 exercises/lib/mkstarter.py [EX...]     (default: all)

A starter patch turns the reference tree into the student's: the code an
exercise asks for is cut out and a TODO(EX) comment says what goes there.
An others patch, applied after it, cuts the same code from the muxes the
exercise does not ask about (they would give the answer away), with a
comment saying why and no TODO. The patches are committed
(exercises/NN-*/starter.patch, others.patch) and applied by lab/handout; this script is for maintainers, when the reference code
moves: it finds each piece by its shape, so it fails loudly (rather than
writing a wrong patch) if a piece is no longer where it was. `make test`
checks that every committed patch still applies.
"""
import difflib
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MUXES = {  # file: (context variable, MUX_ enum)
    "src/mux_h1.c": ("h1c", "MUX_H1"),
    "src/mux_h2.c": ("h2c", "MUX_H2"),
    "src/mux_fcgi.c": ("fconn", "MUX_FCGI"),
}


class Miss(Exception):
    pass


def block_end(text, open_at):
    """index just past the '}' matching the '{' at text[open_at]"""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise Miss("unbalanced braces")


def find(text, needle, start=0, what=None):
    i = text.find(needle, start)
    if i < 0:
        raise Miss("not found: %s" % (what or needle.strip()[:60]))
    return i


def line_start(text, i):
    return text.rfind("\n", 0, i) + 1


def comment(indent, lines):
    out = indent + "/* " + lines[0] + "\n"
    for l in lines[1:]:
        out += indent + " *" + (" " + l if l else "") + "\n"
    return out + indent + " */\n"


def io_cb_span(text, var):
    """(start, end) of the prologue: from 'path = io_cb_must_lock' to the
    end of the else block; and the locked branch's body"""
    s = find(text, "\tpath = io_cb_must_lock(state) ? PATH_LOCKED : PATH_FAST;\n")
    i = find(text, "\tif (path == PATH_LOCKED) {", s)
    locked_end = block_end(text, text.index("{", i))
    els = text.index("else", locked_end)
    if text[locked_end:els].strip():
        raise Miss("no else after the locked branch")
    end = block_end(text, text.index("{", els))
    body = text[text.index("{", i) + 2:locked_end - 1]
    return s, i, end, body


def dedent1(body):
    return "".join(l[1:] if l.startswith("\t") else l
                   for l in body.splitlines(True))


def drop_trust_ctx(body, var):
    pat = re.compile(r"\t*if \(bug_on_mode\(BUG_TRUST_CTX\)\)\n\t*%s = ctx;[^\n]*\n"
                     r"(\t*)else\n\t*(%s = tasklet_get_context\(tl\);[^\n]*)\n" % (var, var))
    m = pat.search(body)
    if not m:
        raise Miss("trust-ctx lines")
    body = body[:m.start()] + m.group(1) + m.group(2) + "\n" + body[m.end():]
    # and the stop the lab makes when that bug strikes, if there is one
    b = body.find("if (bug_on_mode(BUG_TRUST_CTX) && !tasklet_get_context(tl)) {")
    if b >= 0:
        bs = line_start(body, b)
        be = block_end(body, body.index("{", b))
        if body[be:be + 1] == "\n":
            be += 1
        body = body[:bs] + body[be:]
    return body


def legacy_prologue(text, var, ex, note=None):
    """before e388f2fbc: every run locks. With @note (a comment's lines),
    that comment replaces the TODO: the twins an exercise leaves alone"""
    s, i, end, body = io_cb_span(text, var)
    head = text[s:i]
    head = head.replace("\tpath = io_cb_must_lock(state) ? PATH_LOCKED : PATH_FAST;\n",
                        comment("\t", note or [
                            "TODO(%s): e388f2fbc. Before it (this code), every run" % ex,
                            "takes this thread's idle_conns_lock to check its context.",
                            "After it, only a run whose state snapshot carries",
                            "TASK_F_USR1 does (io_cb_must_lock() in lab.h, which",
                            "also keeps --mode legacy locking); the others go",
                            "lock-free. What may a lock-free run assume?"]) +
                        "\tpath = PATH_LOCKED;\n")
    body = drop_trust_ctx(dedent1(body).rstrip(), var)
    body = body.replace(
        "/* USR1 was set when this run was dequeued: the connection\n"
        "\t * sat in an idle list and another thread may have taken\n"
        "\t * it over since. Look at the context under our lock.\n\t */",
        "/* The connection may sit in an idle list, and another\n"
        "\t * thread may have taken it over since this run was\n"
        "\t * queued: look at the context under our lock.\n\t */")
    return text[:s] + head + body + text[end:]


def h1_stub_prologue(text, ex):
    s, i, end, body = io_cb_span(text, "h1c")
    head = text[s:i].replace(
        "\tpath = io_cb_must_lock(state) ? PATH_LOCKED : PATH_FAST;\n",
        "\tpath = PATH_FAST;\t/* TODO(%s): see below */\n" % ex)
    stub = comment("\t", [
        "TODO(%s): the prologue of e388f2fbc. Decide the path from" % ex,
        "@state (io_cb_must_lock()), before the TRACE above. On the",
        "locked path, take this thread's idle_conns_lock",
        "(idle_lock(tid, SITE_IO_CB)), re-read the context with",
        "tasklet_get_context(), and if a stealer NULLed it, unlock,",
        "count it (ACT.stolen_free++, TRACE(io_cb_stolen, ...)), free",
        "the tasklet and return NULL; else take the connection out",
        "of the idle list it is in, if any (_conn_in_idle_list(),",
        "_conn_delete_from_tree(conn, REASON_IO)), remembering which",
        "list in conn_in_list for the epilogue, then unlock. On the",
        "fast path, what do you know about @ctx?",
        "",
        "What is here now runs every callback unlocked and trusts",
        "@ctx: a stolen tasklet is leaked and idle connections run",
        "without the lock."]) + \
        "\tif (h1c == NULL)\n\t\treturn t;\n\tconn = h1c->conn;\n\tconn_in_list = 0;\n"
    return text[:s] + head + stub + text[end:]


def cut_detach_set(text, var, ex, mux):
    c = find(text, "/* USR1 on, before the connection is published", what="detach's USR1 comment")
    cs = line_start(text, c)
    indent = text[cs:c]
    m = re.compile(r"mux_set_idle_flag\(%s->wait_event\.tasklet,\s*conn\);\n" % var).search(text, c)
    if not m:
        raise Miss("detach's mux_set_idle_flag")
    todo = comment(indent, [
        "TODO(%s): from the srv_add_to_idle_list() below on, another" % ex,
        "thread may steal this connection and NULL the tasklet's",
        "context: its io_cb must know that it has to look under the",
        "lock. Mark the tasklet (src/mux.h has the traced helper).",
        "Where exactly, and why there?"]) if ex else ""
    end = m.end()
    if not ex and text[end:end + 1] == "\n":
        end += 1        # and the blank line after it
    text = text[:cs] + todo + text[end:]
    # the bug mode's late set after the insert goes too
    b = text.find("if (bug_on_mode(BUG_USR1_AFTER_INSERT)) {", cs)
    if b < 0:
        raise Miss("usr1-after-insert block")
    bs = line_start(text, b)
    be = block_end(text, text.index("{", b))
    if text[be] == "\n":
        be += 1
    return text[:bs] + text[be:]


def cut_attach_clear(text, var, ex):
    pat = "\t/* USR1 off: the stream exists, the connection is in use */\n" \
          "\tmux_clear_idle_flag(%s->wait_event.tasklet, conn);\n" % var
    find(text, pat, what="attach's mux_clear_idle_flag")
    if not ex:
        return text.replace(pat + "\n", "", 1) if pat + "\n" in text \
            else text.replace(pat, "", 1)
    todo = comment("\t", [
        "TODO(%s): the stream exists: this connection is in use and" % ex,
        "no longer in any idle list. What must change on its tasklet",
        "so that its io_cb runs lock-free again?"])
    return text.replace(pat, todo, 1)


def takeover_stub(text, name, var, ctype, ex, note=None):
    """@name's takeover cut down to a failing stub: with a TODO(@ex), or,
    with @note (a comment's lines), for a twin the exercise leaves out"""
    s = find(text, "static int %s_takeover(struct connection *conn, int orig_tid)\n{" % name)
    ob = text.index("{", s)
    end = block_end(text, ob)
    keep = ("\tstruct %s *%s = conn->ctx;\n"
            "\tstruct tasklet *old_tl = %s->wait_event.tasklet;\n"
            "\tuint64_t old_tl_id = old_tl->id;\n" % (ctype, var, var))
    if keep not in text[ob:end]:
        raise Miss("%s_takeover's first declarations" % name)
    body = keep + "\n" + comment("\t", note or [
        "TODO(%s): move the connection to this thread, following" % ex,
        "steps 1-6 above. conn_trace_takeover() must say ok=1 at the",
        "point of no return (before the old tasklet is woken) and",
        "ok=0 on failure. Until then every takeover fails (ok=0)",
        "and conn_backend_get() opens a new connection instead."]) + \
        "\tconn_trace_takeover(conn, orig_tid, old_tl_id, 0, 0);\n" + \
        "\treturn -1;\n"
    return text[:ob] + "{\n" + body + "}" + text[end:]


# The H2 and FastCGI twins of an H1-only exercise: the handout must not
# hold the answer in them (exercise 04 asks for the commit in all three
# muxes, so 02 and 03 get them as before it; 06 gets their takeovers cut).
TWINS = {"src/mux_h2.c": ("h2", "h2c", "h2c", "H2", "mux_fcgi.c"),
         "src/mux_fcgi.c": ("fcgi", "fconn", "fcgi_conn", "FastCGI", "mux_h2.c")}


# the comments of a twin that describe the code after the commit (and so
# answer the exercise's questions): (pattern, replacement), each must match
TWIN_COMMENTS = {
    "src/mux_h2.c": [
        (r" \* The lesson \(HAProxy e388f2fbc\) lives in the same three places.*?\n \*\n",
         " * In this handout this mux is as before e388f2fbc: nothing sets or clears\n"
         " * TASK_F_USR1 on its tasklets and h2_io_cb() always locks (exercise 04\n"
         " * brings the commit). Comments that still say \"USR1\" describe muxlab's\n"
         " * code after the commit.\n *\n"),
        (r" \* Same prologue and epilogue as h1_io_cb\(\), the heart of e388f2fbc:.*?valid without a lock\.\n",
         " * As before e388f2fbc, every run locks: the connection may sit in an idle\n"
         " * or safe list where another thread can steal it under this thread's\n"
         " * idle_conns_lock, so we lock, re-read tl->context (NOT @ctx), free\n"
         " * ourselves if it is NULL, else take the connection out of its list\n"
         " * while we work on it.\n"),
        (r"Once the h2s exists the connection is no longer idle and\n \* TASK_F_USR1 is cleared \(",
         "Once the h2s exists the connection is no longer idle\n * ("),
        (r" \* USR1: the flag is set BEFORE the insertion, after which another thread\n"
         r" \* may steal the connection; once",
         " * After the insertion another thread\n * may steal the connection: once"),
    ],
    "src/mux_fcgi.c": [
        (r" \* The lesson \(HAProxy e388f2fbc\) lives in the same three places.*?\n \*\n",
         " * In this handout this mux is as before e388f2fbc: nothing sets or clears\n"
         " * TASK_F_USR1 on its tasklets and fcgi_io_cb() always locks (exercise 04\n"
         " * brings the commit). Comments that still say \"USR1\" describe muxlab's\n"
         " * code after the commit.\n *\n"),
        (r" \* Same prologue and epilogue as h1_io_cb\(\): with TASK_F_USR1 in @state\n"
         r".*?valid without a lock\. ",
         " * As before e388f2fbc, every run locks, re-reads tl->context (NOT @ctx),\n"
         " * frees us if it is NULL, else takes the connection out of its list\n"
         " * while we work on it. "),
        (r"no room\. Once\n \* the fstrm exists TASK_F_USR1 is cleared\. The request is encoded and\n \* sent",
         "no room. The\n * request is encoded and sent"),
        (r" \* USR1: the flag is set BEFORE the insertion; once", " * Once"),
    ],
}


def scrub_comments(path, text):
    for pat, rep in TWIN_COMMENTS[path]:
        text, n = re.subn(pat, lambda m: rep, text, count=1, flags=re.S)
        if n != 1:
            raise Miss("%s: comment not found: %s" % (path, pat[:50]))
    return text


def twins_before_commit(files):
    for path, (name, var, ctype, label, other) in TWINS.items():
        f = scrub_comments(path, files[path])
        f = legacy_prologue(f, var, None, note=[
            "In this handout the %s mux is as before e388f2fbc: every" % label,
            "run takes this thread's idle_conns_lock to check its",
            "context, and nothing marks its idle connections' tasklets",
            "(the same in %s). Exercise 04 brings the commit to both." % other])
        f = cut_detach_set(f, var, None, name)
        f = cut_attach_clear(f, var, None)
        files[path] = f


def twins_without_takeover(files):
    for path, (name, var, ctype, label, other) in TWINS.items():
        files[path] = takeover_stub(files[path], name, var, ctype, None, note=[
            "Cut out of this handout: the twin of h1_takeover(), which",
            "exercise 06 asks you to write (same steps). Every takeover",
            "of a %s connection fails (ok=0) and conn_backend_get()" % label,
            "opens a new connection instead."])


def ex02(files):
    f = files["src/mux_h1.c"]
    f = cut_detach_set(f, "h1c", "02", "h1")
    f = cut_attach_clear(f, "h1c", "02")
    files["src/mux_h1.c"] = f


def ex03(files):
    files["src/mux_h1.c"] = h1_stub_prologue(files["src/mux_h1.c"], "03")


def ex04(files):
    for path, (var, mux) in MUXES.items():
        f = files[path]
        f = legacy_prologue(f, var, "04")
        f = cut_detach_set(f, var, "04", mux)
        f = cut_attach_clear(f, var, "04")
        files[path] = f


def ex06(files):
    files["src/mux_h1.c"] = takeover_stub(files["src/mux_h1.c"], "h1", "h1c",
                                          "h1c", "06")


def cut(text, old, new, what):
    if old not in text:
        raise Miss("not found: %s" % what)
    return text.replace(old, new, 1)


def ex07(files):
    """the purge window: the prologue takes the LIST bits for membership
    (as at e388f2fbc), _conn_in_idle_list() and the docs' answer go"""
    for path in MUXES:
        files[path] = cut(files[path],
            "\t\t/* Take the connection out of its list while we work\n"
            "\t\t * on it, so that no stealer can find it meanwhile. Ask\n"
            "\t\t * the list, not the LIST bits: a conn the purge queued\n"
            "\t\t * for destruction keeps them and must not go back.\n"
            "\t\t */\n"
            "\t\tconn_in_list = _conn_in_idle_list(conn);\n",
            "\t\t/* Take the connection out of its list while we work\n"
            "\t\t * on it, so that no stealer can find it meanwhile.\n"
            "\t\t *\n"
            "\t\t * TODO(07): conn_in_list also decides whether the\n"
            "\t\t * epilogue puts the connection back into a list. Is\n"
            "\t\t * this the right way to know which list it is in?\n"
            "\t\t * (muxview --check, invariant 7)\n"
            "\t\t */\n"
            "\t\tconn_in_list = conn->flags & CO_FL_LIST_MASK;\n",
            path + ": the prologue's _conn_in_idle_list()")
    f = files["src/server.c"]
    f = cut(f, " * an idle list: an io_cb that runs in it must not take the LIST bits for\n"
               " * \"in a list\" (_conn_in_idle_list(); BUG_PURGE_REINSERT puts the mistake\n"
               " * back, and _srv_drop_if_purged() keeps the lab alive when it happens).\n",
            " * an idle list (exercise 07; _srv_drop_if_purged() keeps the lab alive\n"
            " * when it happens).\n", "server.c's note on the purge window")
    s0 = find(f, "\n/*\n * _conn_in_idle_list - ", what="_conn_in_idle_list()'s comment")
    fn = find(f, "int _conn_in_idle_list(const struct connection *conn)\n{", s0)
    end = block_end(f, f.index("{", fn))
    if f[end:end + 1] == "\n":
        end += 1
    files["src/server.c"] = f[:s0] + f[end:]
    f = files["src/server.h"]
    s0 = find(f, "/* The io_cb prologue's test: CO_FL_SAFE_LIST", what="_conn_in_idle_list()'s prototype")
    e = find(f, "int _conn_in_idle_list(const struct connection *conn);\n\n", s0)
    files["src/server.h"] = f[:s0] + f[e + len("int _conn_in_idle_list(const struct connection *conn);\n\n"):]
    # the docs' answer
    f = files["GUIDE.md"]
    f = cut(f, "| fixed as in 9481cef94; `purge-reinsert` restores the bug, but a conn",
               "| open in this handout, as at the commit (exercise 07); a conn",
            "GUIDE section 8's row on the purge window")
    s0 = find(f, "**The purge window (exercise 07).** muxlab closes it", what="GUIDE's purge window paragraph")
    e = find(f, "would also pass invariant 7 here.\n", s0)
    f = f[:s0] + ("**The purge window (exercise 07).** In this handout the window is open,\n"
                  "as at the commit: the io_cb prologue takes the LIST bits for \"in a\n"
                  "list\". Exercise 07 asks you to close it.\n") + \
        f[e + len("would also pass invariant 7 here.\n"):]
    files["GUIDE.md"] = f
    f = files["docs/muxes.md"]
    s0 = find(f, "   \"Its list\" is the list it is linked in", what="docs/muxes.md's purge note")
    e = find(f, "exercise 07).\n", s0)
    f = f[:s0] + ("   Which list is \"its list\" is the question of exercise 07 (HAProxy\n"
                  "   5e1b0e7bf, 9481cef94).\n") + f[e + len("exercise 07).\n"):]
    f = cut(f, "`src/server.h` (the lock and list functions, and\n"
               "`_conn_in_idle_list()`, the prologue's \"which list is it in?\").",
            "`src/server.h` (the lock and list functions).", "docs/muxes.md's shared helpers")
    files["docs/muxes.md"] = f


# exercise: (what the student writes, what else the handout must not
# hold: written to others.patch, applied after starter.patch, or None)
EXERCISES = {"02": (ex02, twins_before_commit),
             "03": (ex03, twins_before_commit),
             "04": (ex04, None),
             "06": (ex06, twins_without_takeover),
             "07": (ex07, None)}


# every file a starter patch may touch, in the order of the patches
FILES = list(MUXES) + ["src/server.c", "src/server.h", "GUIDE.md",
                       "docs/muxes.md"]


def diff(before, after):
    patch = ""
    for p in FILES:
        if after[p] != before[p]:
            patch += "".join(difflib.unified_diff(
                before[p].splitlines(True), after[p].splitlines(True),
                "a/" + p, "b/" + p))
    return patch


def write(folder, name, patch):
    out = os.path.join(folder, name)
    if not patch:
        if os.path.exists(out):
            os.unlink(out)
        return
    with open(out, "w") as fh:
        fh.write(patch)
    print("wrote %s (%d lines)" % (os.path.relpath(out, TOP), patch.count("\n")))


def main(argv):
    want = argv or sorted(EXERCISES)
    rc = 0
    for ex in want:
        if ex not in EXERCISES:
            print("mkstarter: exercise %s has no starter patch" % ex, file=sys.stderr)
            rc = 1
            continue
        student, others = EXERCISES[ex]
        orig = {p: open(os.path.join(TOP, p)).read() for p in FILES}
        files = dict(orig)
        try:
            student(files)
            theirs = dict(files)
            if others:
                others(files)
        except Miss as e:
            print("mkstarter: exercise %s: %s" % (ex, e), file=sys.stderr)
            rc = 1
            continue
        dirs = [d for d in os.listdir(os.path.join(TOP, "exercises"))
                if d.startswith(ex + "-")]
        if len(dirs) != 1:
            print("mkstarter: no folder exercises/%s-*" % ex, file=sys.stderr)
            rc = 1
            continue
        folder = os.path.join(TOP, "exercises", dirs[0])
        write(folder, "starter.patch", diff(orig, theirs))
        write(folder, "others.patch", diff(theirs, files))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
