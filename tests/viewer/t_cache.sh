#!/usr/bin/env bash
# The index cache (viewer/cache.c): written on a first open, read on the
# next, never changing an output (--stats, --check -v, --dump, --svg);
# ignored and rewritten when stale (a trace file's time, the metadata's
# content at the same size and time, another muxview build) or damaged
# (a flipped byte, cut, garbage); in $XDG_CACHE_HOME when the trace
# directory is read-only; not written for a trace changed just now.
. "$(dirname "$0")/lib.sh"
if ! need_lttng; then
	fail cache.lttng "$mxl_lttng_error"
	exit 1
fi
src=$(cached_trace usr1-2t -t 2 -n 20000 -s 3) || {
	fail cache.record "recording failed"
	exit 1
}
tmp=$(mktemp -d)
trap 'umount "$tmp/ro/trace" 2>/dev/null; chmod -R u+w "$tmp" 2>/dev/null;
      rm -rf "$tmp"; cleanup_lttng' EXIT
export XDG_CACHE_HOME=$tmp/xdg
export MUXVIEW_CACHE_LOG=1
tr=$tmp/trace
cp -r "$src" "$tr"
rm -f "$tr/.muxview-index"
# files older than the cache's 2 s "still being written" window
find "$tr" -type f -exec touch -d '1 minute ago' {} +
rc=0

# outputs OUT_DIR MUXVIEW [OPTIONS...]: every output of one trace, and
# their exit statuses, into OUT_DIR; the cache log lines to OUT_DIR/log
outputs() {
	local d=$1 m=$2
	shift 2
	mkdir -p "$d"
	: >"$d/log"
	"$m" "$@" --stats "$tr" >"$d/stats" 2>>"$d/log"; echo $? >>"$d/rc"
	"$m" "$@" --check -v "$tr" >"$d/check" 2>>"$d/log"; echo $? >>"$d/rc"
	"$m" "$@" --dump --size 160x50 --event 5000 --pane detail "$tr" \
		>"$d/dump1" 2>>"$d/log"; echo $? >>"$d/rc"
	"$m" "$@" --dump --size 120x40 --event 12000 --pane life "$tr" \
		>"$d/dump2" 2>>"$d/log"; echo $? >>"$d/rc"
	"$m" "$@" --svg "$d/svg" "$tr" 2>>"$d/log"; echo $? >>"$d/rc"
}
same() {	# same A B: the outputs of A and B are identical
	local f
	for f in stats check dump1 dump2 svg rc; do
		cmp -s "$1/$f" "$2/$f" || { echo "$f differs"; return 1; }
	done
}
check() {	# check NAME COND_RC WHY
	if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1" "$3"; rc=1; fi
}

outputs "$tmp/ref" "$MUXVIEW" --no-cache
check cache.no_cache_writes_none \
	$([ ! -e "$tr/.muxview-index" ] && [ ! -s "$tmp/ref/log" ]; echo $?) \
	"--no-cache wrote or read a cache: $(cat "$tmp/ref/log")"

"$MUXVIEW" --stats "$tr" >/dev/null 2>"$tmp/log1"
check cache.written $(grep -q "written $tr/.muxview-index" "$tmp/log1" &&
		      [ -s "$tr/.muxview-index" ]; echo $?) \
	"no cache beside the trace: $(cat "$tmp/log1")"

outputs "$tmp/hit" "$MUXVIEW"
why=$(same "$tmp/ref" "$tmp/hit")
check cache.same_outputs $([ -z "$why" ] &&
			   [ "$(grep -c loaded "$tmp/hit/log")" = 5 ]; echo $?) \
	"${why:-not every run read the cache: $(sort -u "$tmp/hit/log")}"
check cache.babeltrace2_unaffected \
	$(babeltrace2 "$tr" | wc -l | grep -qx "$(babeltrace2 "$src" | wc -l)";
	  echo $?) "babeltrace2 reads the trace differently beside the cache"

# stale_then NAME WHAT: the next open must ignore the cache, decode the
# trace with the same outputs, and write a new cache that the one after
# reads
stale_then() {
	outputs "$tmp/$1" "$MUXVIEW"
	why=$(same "$tmp/ref" "$tmp/$1")
	if ! grep -q "ignored" "$tmp/$1/log"; then
		why="the cache was not ignored: $(sort -u "$tmp/$1/log")"
	elif [ "$(grep -c "^muxview: index cache: loaded" "$tmp/$1/log")" != 4 ]
	then
		why="not rewritten: $(sort -u "$tmp/$1/log")"
	fi
	check "cache.$1" $([ -z "$why" ]; echo $?) "$2: $why"
}

# a stream file's time changed
s=$(find "$tr" -name '*_0' -type f | head -1)
touch -d '30 seconds ago' "$s"
stale_then stale_mtime "a stream file touched"

# the metadata's content changed, size and time kept: only the hash sees it
meta=$(find "$tr" -name metadata -type f | head -1)
cp -p "$meta" "$tmp/meta.orig"
if grep -q 'hostname = "' "$meta"; then
	# one letter of the host name, another letter: still a valid trace
	perl -pi -e 's/hostname = "(.)/"hostname = \"" . ($1 eq "x" ? "y" : "x")/e' "$meta"
else
	printf '\0' | dd of="$meta" bs=1 seek=$(($(stat -c %s "$meta") - 1)) \
		conv=notrunc 2>/dev/null
fi
touch -r "$tmp/meta.orig" "$meta"
[ "$(stat -c %s.%Y "$meta")" = "$(stat -c %s.%Y "$tmp/meta.orig")" ] &&
	! cmp -s "$meta" "$tmp/meta.orig" || echo "note: metadata edit failed"
outputs "$tmp/meta" "$MUXVIEW"
check cache.stale_metadata_content \
	$(grep -q "ignored" "$tmp/meta/log"; echo $?) \
	"a cache of the old metadata was trusted: $(sort -u "$tmp/meta/log")"
cp -p "$tmp/meta.orig" "$meta"
"$MUXVIEW" --stats "$tr" >/dev/null 2>&1	# rewrite it for the original

# another build of muxview (a copy: another file, another time)
cp "$MUXVIEW" "$tmp/muxview2"
touch -d '1 minute ago' "$tmp/muxview2"
"$tmp/muxview2" --stats "$tr" >"$tmp/other" 2>"$tmp/log2"
check cache.stale_build $(grep -q ignored "$tmp/log2" &&
			  cmp -s "$tmp/other" "$tmp/ref/stats"; echo $?) \
	"another build read this build's cache: $(cat "$tmp/log2")"
"$MUXVIEW" --stats "$tr" >/dev/null 2>&1

# damaged: a flipped byte in the middle, the file cut, garbage
c=$tr/.muxview-index
size=$(stat -c %s "$c")
cp -p "$c" "$tmp/good"
printf '\xff' | dd of="$c" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cmp -s "$c" "$tmp/good" &&	# the byte was 0xff: another one
	printf '\x00' | dd of="$c" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
stale_then damaged_byte "a byte flipped in the cache"
head -c $((size - 100)) "$tmp/good" >"$c"
stale_then damaged_cut "the cache cut 100 bytes short"
head -c "$size" /dev/urandom >"$c"
stale_then damaged_garbage "the cache replaced by random bytes"

# a trace changed just now: the cache is not written (it could change
# again within the same second, unseen)
rm -f "$c"
touch "$s"
"$MUXVIEW" --stats "$tr" >/dev/null 2>"$tmp/log3"
check cache.fresh_trace_not_cached \
	$(grep -q "not written" "$tmp/log3" && [ ! -e "$c" ]; echo $?) \
	"$(cat "$tmp/log3")"
touch -d '1 minute ago' "$s"

# a read-only trace directory: the cache goes to $XDG_CACHE_HOME
ro=$tmp/ro/trace
mkdir -p "$ro"
cp -rp "$tr/." "$ro/"
rm -f "$ro/.muxview-index"
if [ "$(id -u)" = 0 ]; then
	# root writes through permissions: a read-only bind mount (this
	# script runs in a private mount namespace, lib.sh)
	mount --bind "$ro" "$ro" && mount -o remount,ro,bind "$ro" "$ro" ||
		echo "note: no read-only bind mount here"
else
	chmod -R a-w "$ro"
fi
tr=$ro
outputs "$tmp/roref" "$MUXVIEW" --no-cache	# --stats names the path
outputs "$tmp/ro1" "$MUXVIEW"
outputs "$tmp/ro2" "$MUXVIEW"
why=$(same "$tmp/roref" "$tmp/ro2")
check cache.readonly_trace_uses_xdg \
	$([ -z "$why" ] && grep -q "written $XDG_CACHE_HOME/muxview/" "$tmp/ro1/log" &&
	  [ "$(grep -c "loaded $XDG_CACHE_HOME/muxview/" "$tmp/ro2/log")" = 5 ] &&
	  [ ! -e "$ro/.muxview-index" ]; echo $?) \
	"${why:-$(sort -u "$tmp/ro1/log" "$tmp/ro2/log")}"

# the cache is written with O_DIRECT where the file system takes it (the
# disk takes it from a staging buffer, the last block padded, the file
# cut to its length after), else, or with MUXVIEW_CACHE_DIRECT=0, with
# plain writes: both give the same cache. Which one the default took:
grep -q "written $tmp/trace/.muxview-index (O_DIRECT)" "$tmp/log1" &&
	echo "note: the default write above used O_DIRECT" ||
	echo "note: this file system refused O_DIRECT: the default write above was plain"
pl=$tmp/plain
mkdir -p "$pl"
cp -rp "$tmp/trace/." "$pl/"
rm -f "$pl/.muxview-index"
tr=$pl
outputs "$tmp/plref" "$MUXVIEW" --no-cache
MUXVIEW_CACHE_DIRECT=0 "$MUXVIEW" --stats "$tr" >/dev/null 2>"$tmp/pl1.log"
outputs "$tmp/pl2" "$MUXVIEW"
why=$(same "$tmp/plref" "$tmp/pl2")
check cache.plain_writes \
	$([ -z "$why" ] && grep -q "written $pl/.muxview-index$" "$tmp/pl1.log" &&
	  [ "$(grep -c "loaded $pl/.muxview-index" "$tmp/pl2/log")" = 5 ]
	  echo $?) \
	"${why:-$(sort -u "$tmp/pl1.log" "$tmp/pl2/log")}"
exit $rc
