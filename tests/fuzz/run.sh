#!/bin/sh
# Build the codec fuzz targets with clang's libFuzzer and run each for
# SECONDS (default 60). Corpora and crash files go to build/fuzz/.
#   sh tests/fuzz/run.sh [SECONDS]
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/fuzz
mkdir -p "$out"
command -v clang >/dev/null || { echo "fuzz: clang missing: run 'make deps'"; exit 2; }
nghttp2=$(pkg-config --cflags --libs libnghttp2 2>/dev/null || echo -lnghttp2)
srcs="$top/src/buf.c $top/src/http_msg.c $top/src/h1.c $top/src/h2.c $top/src/fcgi.c"
fail=0
for f in "$top"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c)
	echo "fuzz: building $name"
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE \
		-I"$top/src" "$f" $srcs $nghttp2 -o "$out/$name"
	mkdir -p "$out/corpus-$name"
	echo "fuzz: running $name for ${secs}s"
	if ! (cd "$out" && "./$name" -max_total_time="$secs" \
			-print_final_stats=1 "corpus-$name" \
			>"$out/$name.log" 2>&1); then
		echo "fuzz: $name FAILED, see $out/$name.log"
		fail=1
	else
		grep -E 'stat::number_of_executed_units' "$out/$name.log" |
			sed "s/^/fuzz: $name /"
	fi
done
exit $fail
