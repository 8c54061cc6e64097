# lab/lib/exercise.sh - finding an exercise and counting its hints
# (sourced by lab/grade, lab/hint and lab/handout).

# exercise_dir ARG: the folder of exercise ARG ("4", "04", "04-commit",
# "exercises/04-commit"); prints why on stderr and fails if none or several
exercise_dir() {
	local a=${1%/} n d found=""
	a=${a#exercises/}
	case $a in
	[0-9]) n=0$a ;;
	[0-9][0-9]) n=$a ;;
	[0-9][0-9]-*) n=${a%%-*} ;;
	*)	echo "no exercise '$1': give its number (1..$(ls -d "$top"/exercises/[0-9][0-9]-* 2>/dev/null | wc -l)) or folder name" >&2
		return 1 ;;
	esac
	for d in "$top"/exercises/"$n"-*/; do
		[ -d "$d" ] && found=${d%/}
	done
	if [ -z "$found" ]; then
		echo "no exercise $n here; the exercises are:" >&2
		ls -d "$top"/exercises/[0-9][0-9]-* 2>/dev/null |
			sed 's|.*/|  |' >&2
		return 1
	fi
	echo "$found"
}

# hints_count DIR: how many hints exercise DIR has (hints.txt, hints
# separated by lines holding only "%%")
hints_count() {
	[ -f "$1/hints.txt" ] || { echo 0; return; }
	awk '/^%%$/ { n++; next } NF { s = 1 } END { print (s ? n + 1 : 0) }' \
		"$1/hints.txt"
}

# hints_state DIR: the file remembering how many hints were shown
hints_state() {
	echo "$top/.lab-hints/$(basename "$1")"
}

# hints_shown DIR: how many hints of exercise DIR were shown in this tree
hints_shown() {
	local f
	f=$(hints_state "$1")
	if [ -f "$f" ]; then
		cat "$f"
	else
		echo 0
	fi
}
