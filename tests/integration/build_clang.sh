#!/usr/bin/env bash
# build_clang.sh - the whole tree (engine, lab peers, muxview, unit tests)
# builds without one warning, with gcc and with clang (`make fuzz` needs
# clang, and clang rejects what gcc lets through, such as GNU __atomic
# builtins on _Atomic fields).
#
# Each compiler builds `make all unit` with CFLAGS="-O2 -Werror" into its
# own directory, $BUILD/werror-gcc and $BUILD/werror-clang (no -g: faster,
# and warnings do not depend on it). Incremental after the first run: a
# file with a warning never gets its object, so it is compiled again, and
# fails again, every run. make -k: a failure lists every diagnostic.
# timeout: 300
. "$(dirname "$0")/common.bash"

jobs=${MUXLAB_JOBS:-2}

for cc in gcc clang; do
	if ! have "$cc"; then
		fail "$cc -Werror: $cc is not installed (make deps)"
		continue
	fi
	dir=$build/werror-$cc
	log=$tmp/make-$cc.log
	t0=$(date +%s)
	if make -C "$top" --no-print-directory -k -j"$jobs" BUILD="$dir" \
			CC="$cc" CFLAGS="-O2 -Werror" all unit >"$log" 2>&1; then
		pass "$cc -Werror: engine, peers, viewer, unit tests" \
			"($(($(date +%s) - t0)) s)"
	else
		n=$(grep -cE '(error|warning): ' "$log")
		fail "$cc -Werror: $n diagnostic(s), first:" \
			"$(grep -m1 -E '(error|warning): ' "$log")"
		grep -E '(error|warning): |\*\*\*' "$log" | sort -u | head -20 |
			sed 's/^/    /'
	fi
done
exit $((nfail > 0))
