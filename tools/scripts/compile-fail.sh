#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# compile-fail.sh: the compile-fail suite (tools/compile-fail/README.md). Every case in
# tools/compile-fail/cases/ is built twice against the test kernel as an out-of-tree module:
# without its '// MISUSE' lines it must build; as it is it must fail, only on those lines and
# only with the error code its '//! expect: EXXXX' line names. One PASS/FAIL line per case.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root compile-fail
[ -f "$TREE/arch/x86/boot/bzImage" ] && [ -f "$TREE/Module.symvers" ] ||
	die compile-fail "no built kernel in $TREE: run 'make kernel'."

CASES=$SRC_DIR/tools/compile-fail/cases
IN_WORK=$IN_BUILD/compile-fail
WORK=$ROOT$IN_WORK
LOG=$BOUNCEFS_CACHE/compile-fail.log
rm -rf "$WORK"
mkdir -p "$WORK/ok" "$WORK/bad"
: >"$LOG"

names=()
for case in "$CASES"/*.rs; do
	name=$(basename "$case" .rs)
	case $name in *[!a-z0-9_]*) die compile-fail "case file name '$name.rs': use a-z, 0-9 and _ only." ;; esac
	grep -q '^//! expect: E[0-9][0-9][0-9][0-9]$' "$case" ||
		die compile-fail "$case has no '//! expect: EXXXX' line."
	grep -q '// MISUSE$' "$case" || die compile-fail "$case has no line ending in '// MISUSE'."
	names+=("$name")
	footer="
kernel::prelude::module! {
    type: CompileFailCase,
    name: \"cf_$name\",
    authors: [\"bouncefs developers\"],
    description: \"compile-fail case $name\",
    license: \"GPL\",
}

struct CompileFailCase;

impl kernel::Module for CompileFailCase {
    fn init(_module: &'static kernel::ThisModule) -> kernel::error::Result<Self> {
        Ok(Self)
    }
}"
	# The ok variant blanks the misuse lines (and the doc comment right above one, which
	# would document nothing) instead of deleting them, so that line numbers match the case
	# file in both builds.
	{
		awk '{ line[NR] = $0 }
			/\/\/ MISUSE$/ {
				line[NR] = ""
				for (i = NR - 1; i > 0 && line[i] ~ /^[ \t]*\/\/\//; i--) line[i] = ""
			}
			END { for (i = 1; i <= NR; i++) print line[i] }' "$case"
		printf '%s\n' "$footer"
	} >"$WORK/ok/$name.rs"
	{ cat "$case"; printf '%s\n' "$footer"; } >"$WORK/bad/$name.rs"
	echo "obj-m += $name.o" >>"$WORK/ok/Kbuild"
	echo "obj-m += $name.o" >>"$WORK/bad/Kbuild"
done
[ ${#names[@]} -gt 0 ] || die compile-fail "no cases in $CASES."

# build VARIANT: make's output for the variant, all cases (-k: one failure stops nothing).
build() {
	"$SRC_DIR/tools/scripts/in-root.sh" make -C "$IN_TREE" LLVM=1 -k -j"${BOUNCEFS_JOBS:-$(nproc)}" \
		M="$IN_WORK/$1" modules 2>&1 | tee -a "$LOG" || true
}

# errors FILE OUTPUT: 'CODE LINE' for every error rustc reported in FILE (CODE '-' when the
# error has none), from rustc's human-readable diagnostics: a header line, then ' --> '.
errors() {
	awk -v file="$1" '
		/^error(\[E[0-9]+\])?: / {
			code = "-"
			if (match($0, /^error\[E[0-9]+\]/)) code = substr($0, 7, RLENGTH - 7)
			pending = 1
			next
		}
		pending && /^ *--> / {
			loc = $0
			sub(/^ *--> /, "", loc)
			n = split(loc, part, ":")
			# make runs rustc in the module directory: paths are relative to it.
			if (part[1] == file) print code, part[2]
		}
		{ pending = 0 }
	' <<<"$2"
}

ok_out=$(build ok)
bad_out=$(build bad)

passed=0
failed=0
for name in "${names[@]}"; do
	case_file=$CASES/$name.rs
	expect=$(sed -n 's|^//! expect: \(E[0-9]*\)$|\1|p' "$case_file")
	misuse_lines=" $(grep -n '// MISUSE$' "$case_file" | cut -d: -f1 | tr '\n' ' ')"
	why=
	ok_errors=$(errors "$name.rs" "$ok_out")
	bad_errors=$(errors "$name.rs" "$bad_out")
	if [ -n "$ok_errors" ] || ! [ -f "$WORK/ok/$name.o" ]; then
		why="does not build even without its MISUSE lines (errors: ${ok_errors:-none reported}; log: $LOG)"
	elif [ -z "$bad_errors" ]; then
		why="the misuse builds"
	else
		while read -r code line; do
			if [ "$code" != "$expect" ]; then
				why="error ${code/#-/without a code} at line $line, expected $expect"
				break
			fi
			case $misuse_lines in *" $line "*) ;; *)
				why="error $code at line $line, which is not a MISUSE line"
				break
				;;
			esac
		done <<<"$bad_errors"
	fi
	if [ -z "$why" ]; then
		echo "PASS  compile-fail/$name ($expect)"
		passed=$((passed + 1))
	else
		echo "FAIL  compile-fail/$name: $why"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
