#!/usr/bin/env bash
# exercises/05-bug-hunt/handout.sh - the variant step of `lab/handout 05`
# (instructor file: never in a handout). lab/handout runs it in the new
# handout's top directory with HANDOUT_VARIANT (--variant, may be empty)
# and REF_TOP (the reference tree).
#
#   1. picks the variant: --variant Bn, else one derived from
#      HANDOUT_STUDENT (any string, e.g. a student id: the same id always
#      gets the same variant), else B1;
#   2. applies key/Bn.patch to the handout's source (one planted mistake);
#   3. writes exercises/05-bug-hunt/variant ("Bn", nothing else) and
#      exercises/05-bug-hunt/answer-hashes: the sha256 of each accepted
#      answer for the function and for the line (file:line, every line the
#      patch changed in the handout's file, +-2), never the answers;
#   4. copies the variant's recorded trace, key/traces/Bn, to
#      exercises/05-bug-hunt/trace/.
#
# The mapping (which variant is which mistake) stays in key/variants.txt.
set -u
ref_ex=$REF_TOP/exercises/05-bug-hunt
ex=exercises/05-bug-hunt

variants=$(sed -n 's/^\(B[0-9][0-9]*\) *|.*/\1/p' "$ref_ex/key/variants.txt")
v=${HANDOUT_VARIANT:-}
if [ -z "$v" ] && [ -n "${HANDOUT_STUDENT:-}" ]; then
	n=$(echo $variants | wc -w)
	i=$(( $(printf '%s' "$HANDOUT_STUDENT" | cksum | cut -d' ' -f1) % n + 1 ))
	v=$(echo $variants | cut -d' ' -f$i)
fi
[ -n "$v" ] || v=B1
v=$(echo "$v" | tr 'b' 'B')
case " $(echo $variants) " in
*" $v "*) ;;
*) echo "handout.sh: no variant '$v' (there are: $(echo $variants))" >&2
   exit 1 ;;
esac
patch=$ref_ex/key/$v.patch
# col N: column N of the variant's line in key/variants.txt, trimmed
col() {
	awk -F'|' -v v="$v" -v n="$1" '$1 ~ "^" v " *$" {
		c = $n; sub(/^ +/, "", c); sub(/ +$/, "", c); print c; exit }' \
		"$ref_ex/key/variants.txt"
}
fn=$(col 2)
also=$(col 5)
[ -f "$patch" ] && [ -n "$fn" ] && [ -d "$ref_ex/key/traces/$v" ] || {
	echo "handout.sh: variant $v is incomplete (key/$v.patch, key/variants.txt, key/traces/$v)" >&2
	exit 1; }

# hash VALUE: what answer-hashes stores for an accepted answer
hash() { printf 'muxlab-05:%s' "$1" | sha256sum | cut -c1-64; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
files=$(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$patch")
for f in $files; do
	mkdir -p "$tmp/orig/$(dirname "$f")"
	cp "$f" "$tmp/orig/$f" || exit 1
done
if ! patch -p1 -s --no-backup-if-mismatch -r - <"$patch" >"$tmp/patch.log" 2>&1; then
	cat "$tmp/patch.log" >&2
	echo "handout.sh: key/$v.patch does not apply to this tree" >&2
	exit 1
fi

{
	echo "# exercise 05: sha256 of the accepted answers (lab/grade 05 reads it)"
	for name in $(echo "$fn" | tr ',' ' '); do
		echo "function $(hash "$name")"
	done
	for f in $files; do
		base=${f##*/}
		last=$(wc -l <"$f")
		# the new-file lines of each change: "a", "c": the lines
		# added; "d": the two lines beside the deletion
		diff "$tmp/orig/$f" "$f" |
		sed -n 's/^[0-9,]*\([acd]\)\([0-9,]*\)$/\1 \2/p' |
		while read -r op range; do
			lo=${range%,*} hi=${range#*,}
			[ "$op" = d ] && hi=$((lo + 1))
			echo "$lo $hi"
		done >"$tmp/changed"
		# the line holding column 5's text nearest to a change
		if [ -n "$also" ]; then
			grep -nF -- "$also" "$f" | cut -d: -f1 |
			awk -v ch="$tmp/changed" '
				BEGIN { while ((getline l < ch) > 0) {
					split(l, a, " "); lo[++n] = a[1]; hi[n] = a[2] } }
				{ for (i = 1; i <= n; i++) {
					d = $1 < lo[i] ? lo[i] - $1 : ($1 > hi[i] ? $1 - hi[i] : 0)
					if (best == "" || d < bd) { best = $1; bd = d } } }
				END { if (best != "" && bd <= 15) print best, best }' >>"$tmp/changed"
		fi
		# each range +-2; a gap of one or two lines between two
		# accepted stretches is accepted too (a moved block's two ends)
		while read -r lo hi; do
			for ((l = lo - 2; l <= hi + 2; l++)); do
				[ $l -ge 1 ] && [ $l -le "$last" ] && echo "$l"
			done
		done <"$tmp/changed" | sort -nu |
		awk 'NR > 1 && $1 - prev > 1 && $1 - prev <= 3 {
			for (l = prev + 1; l < $1; l++) print l }
			{ print; prev = $1 }' |
		while read -r l; do echo "line $(hash "$base:$l")"; done | sort
	done
} >"$ex/answer-hashes"
echo "$v" >"$ex/variant"
rm -rf "$ex/trace"
cp -a "$ref_ex/key/traces/$v" "$ex/trace" || exit 1
echo "exercise 05: variant $v"
