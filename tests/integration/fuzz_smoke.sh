#!/usr/bin/env bash
# fuzz_smoke.sh - a few seconds of each codec fuzz target (tests/fuzz/
# fuzz_*.c), so that `make test` catches a codec change that crashes or
# trips a fuzzer's invariant (ASan, UBSan, libFuzzer). `make fuzz` runs
# the same targets for longer (tests/fuzz/run.sh).
#
# Builds with clang's libFuzzer, with the flags of tests/fuzz/run.sh, into
# build/fuzz-smoke/ (the codec objects once, then one binary per target;
# nothing is rebuilt when no source is newer), then runs each target for
# FUZZ_SMOKE_SECONDS (default 5) on its corpus build/fuzz-smoke/corpus-NAME
# (kept between runs, so coverage accumulates and a crash found once is
# found again). A crash, leak, timeout or invariant failure is a FAIL; the
# input is left in build/fuzz-smoke/ (crash-*, leak-*, timeout-*).
# Without clang: FAIL naming the Debian package (make deps).
# timeout: 240
. "$(dirname "$0")/common.bash"

secs=${FUZZ_SMOKE_SECONDS:-5}
out=$build/fuzz-smoke
mkdir -p "$out"

if ! have clang; then
	fail "fuzz_smoke: clang not installed (run make deps)"
	exit 1
fi
targets=("$top"/tests/fuzz/fuzz_*.c)
[ -f "${targets[0]}" ] || { fail "fuzz_smoke: no tests/fuzz/fuzz_*.c"; exit 1; }

cflags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE -I$top/src"
nghttp2=$(pkg-config --cflags --libs libnghttp2 2>/dev/null || echo -lnghttp2)
srcs="buf http_msg h1 h2 fcgi"

# newer FILE DEPS...: FILE is missing or older than one of DEPS
newer() {
	local f=$1 d
	shift
	[ -e "$f" ] || return 0
	for d in "$@"; do
		[ "$d" -nt "$f" ] && return 0
	done
	return 1
}

# the codec objects, once (any header change rebuilds all: they are small)
hdrs=("$top"/src/*.h)
objs=()
for s in $srcs; do
	o=$out/$s.o
	objs+=("$o")
	if newer "$o" "$top/src/$s.c" "${hdrs[@]}" "$0"; then
		if ! clang $cflags -c "$top/src/$s.c" -o "$o" >"$out/$s.build.log" 2>&1; then
			fail "fuzz_smoke: compiling src/$s.c: $(grep -m2 error "$out/$s.build.log" | tr '\n' ' ')"
			exit 1
		fi
	fi
done

for f in "${targets[@]}"; do
	name=$(basename "$f" .c)
	bin=$out/$name
	if newer "$bin" "$f" "${objs[@]}"; then
		if ! clang $cflags -fsanitize=fuzzer "$f" "${objs[@]}" $nghttp2 \
			-o "$bin" >"$out/$name.build.log" 2>&1; then
			if grep -q 'clang_rt.fuzzer\|libFuzzer' "$out/$name.build.log"; then
				fail "$name: build: libFuzzer missing: libclang-rt-14-dev not installed (run make deps)"
			else
				fail "$name: build: $(grep -m2 error "$out/$name.build.log" | tr '\n' ' ')"
			fi
			continue
		fi
	fi
	mkdir -p "$out/corpus-$name"
	log=$out/$name.log
	# -timeout: one input taking 10 s is a hang; the outer timeout bounds
	# the whole run whatever libFuzzer does
	(cd "$out" && timeout -k 5 $((secs + 60)) "./$name" \
		-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/" \
		"corpus-$name" >"$log" 2>&1)
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ $rc = 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		pass "$name: ${secs}s, $runs inputs, no crash ($(ls "$out/corpus-$name" | wc -l) in corpus)"
	else
		why=$(grep -m1 -E 'ERROR: |runtime error|invariant failed|Test unit written' "$log")
		[ $rc = 124 ] && why="timed out; $why"
		fail "$name: exit $rc: ${why:-see $log}"
		grep -E 'ERROR: |runtime error|invariant failed|Test unit written|#[0-9]+ ' "$log" |
			head -12 | sed 's/^/    /'
	fi
done
exit $((nfail > 0))
