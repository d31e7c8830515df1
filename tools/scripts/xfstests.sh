#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xfstests.sh: run xfstests' direct-I/O tests in the VM on bouncefs and XFS (make xfstests).
#
#   XFSTESTS_DIR   a built xfstests checkout (required; the project neither carries nor
#                  builds it: Documentation/xfstests.rst)
#   TESTS          the tests to run (default: every tests/generic/* that calls
#                  _require_odirect, _require_aiodio or _require_dio, found at run time)
#   FSTYPES        the file systems, in order (default "bouncefs xfs")
#   XFSTESTS_TEST_TIMEOUT  seconds one test may run before it is killed (default 600)
#   XFSTESTS_BUDGET        seconds after which no further chunk of tests starts (default:
#                          no limit); tests not reached are listed as such in the report
#   XFSTESTS_DISKS         scsi_debug (default): dif=1 dix=1 disks in guest RAM, which
#                          store data and protection information of a write atomically;
#                          nvme: QEMU NVMe namespaces with PI (ms=8, pi=1), which write
#                          them as two requests, so overlapping concurrent writes can
#                          leave a sector whose guard tag fails (Documentation/testing.rst)
#   XFSTESTS_DISK_MB       size of each of the four disks (default 1024 for scsi_debug,
#                          2048 for nvme)
#
# Results: $BOUNCEFS_CACHE/xfstests/ (xfstests' own results per file system), the table
# printed at the end and written to Documentation/xfstests-results.rst.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root xfstests

dir=${XFSTESTS_DIR:-}
[ -n "$dir" ] || die xfstests "set XFSTESTS_DIR to a built xfstests checkout, e.g. 'make xfstests XFSTESTS_DIR=~/xfstests-dev' (Documentation/xfstests.rst says how to build one)."
dir=$(cd "$dir" 2>/dev/null && pwd) || die xfstests "XFSTESTS_DIR=$XFSTESTS_DIR is not a directory."
[ -x "$dir/check" ] && [ -d "$dir/tests/generic" ] ||
	die xfstests "$dir is not an xfstests checkout (no ./check or tests/generic)."
# The test programs exist only after 'make' in the checkout.
[ -x "$dir/ltp/fsx" ] && [ -x "$dir/src/aio-dio-regress/aiodio_sparse2" ] ||
	die xfstests "$dir is not built (no ltp/fsx or src/aio-dio-regress/aiodio_sparse2): run 'make' there, inside the build root, as Documentation/xfstests.rst describes."

export XFSTESTS_DISKS=${XFSTESTS_DISKS:-scsi_debug}
case $XFSTESTS_DISKS in
scsi_debug)
	export XFSTESTS_DISK_MB=${XFSTESTS_DISK_MB:-1024}
	disks="scsi_debug disks (dif=1 dix=1, T10-DIF-TYPE1-CRC) of $XFSTESTS_DISK_MB MiB in guest memory"
	;;
nvme)
	export XFSTESTS_DISK_MB=${XFSTESTS_DISK_MB:-2048}
	disks="QEMU NVMe namespaces of $XFSTESTS_DISK_MB MiB with protection information (ms=8, pi=1: T10-DIF-TYPE1-CRC)"
	;;
*) die xfstests "XFSTESTS_DISKS: '$XFSTESTS_DISKS' is not scsi_debug or nvme." ;;
esac
case $XFSTESTS_DISK_MB in
'' | *[!0-9]*) die xfstests "XFSTESTS_DISK_MB: '$XFSTESTS_DISK_MB' is not a number of MiB." ;;
esac
# XFS refuses file systems below 300 MiB.
[ "$XFSTESTS_DISK_MB" -ge 512 ] || die xfstests "XFSTESTS_DISK_MB: $XFSTESTS_DISK_MB MiB is too small (at least 512: XFS needs 300 MiB, xfstests more)."

FSTYPES=${FSTYPES:-bouncefs xfs}
for fs in $FSTYPES; do
	case $fs in bouncefs | xfs) ;; *) die xfstests "FSTYPES: '$fs' is not one of bouncefs, xfs." ;; esac
done

# The checkout as the guest sees it: the guest boots on the build root, so a checkout
# outside the root is bound into it (in-root.sh) at a fixed place.
case $dir/ in
"$ROOT"/*) in_dir=${dir#"$ROOT"} ;;
*)
	in_dir=/xfstests
	export BOUNCEFS_BIND="$dir:$in_dir"
	;;
esac
# Binaries built on the host (another glibc) would not run in the guest.
if "$SRC_DIR/tools/scripts/in-root.sh" ldd "$in_dir/ltp/fsx" 2>&1 | grep -q 'not found'; then
	die xfstests "$dir/ltp/fsx does not run inside the build root: build xfstests inside it (tools/scripts/in-root.sh bash -c 'cd $in_dir && make'), as Documentation/xfstests.rst describes."
fi

# The selection: the project's rule, applied to the checkout at run time.
select_tests() {
	grep -lE '_require_(odirect|aiodio|dio)\b' "$dir"/tests/generic/[0-9]* |
		sed -n 's|.*/tests/\(generic/[0-9]*\)$|\1|p' | sort
}
if [ -n "${TESTS:-}" ]; then
	tests=$(printf '%s\n' $TESTS)
	for t in $tests; do
		[ -f "$dir/tests/$t" ] || die xfstests "TESTS: no test $t in $dir/tests."
	done
else
	tests=$(select_tests)
	[ -n "$tests" ] || die xfstests "no test in $dir/tests/generic calls _require_odirect, _require_aiodio or _require_dio."
fi

VM=$ROOT$IN_BUILD/vm
out=$VM/xfstests
rm -rf "$out"
mkdir -p "$out"
printf '%s\n' $tests >"$out/tests.txt"
cat >"$out/env" <<EOF
XFSTESTS_DIR=$in_dir
FSTYPES="$FSTYPES"
XFSTESTS_TEST_TIMEOUT=${XFSTESTS_TEST_TIMEOUT:-600}
XFSTESTS_BUDGET=${XFSTESTS_BUDGET:-999999}
XFSTESTS_CHUNK=${XFSTESTS_CHUNK:-10}
XFSTESTS_DISKS=$XFSTESTS_DISKS
XFSTESTS_DISK_MB=$XFSTESTS_DISK_MB
EOF
info "$(wc -l <"$out/tests.txt") tests on $FSTYPES, $disks, from $dir ($(git -C "$dir" describe --always --tags 2>/dev/null || echo 'not a git checkout'))"

# The whole run may take hours under TCG; the budget, not the VM's timeout, should end it.
export XFSTESTS_IN_ROOT=$in_dir FSTYPES
export VM_TIMEOUT=${VM_TIMEOUT:-$((${XFSTESTS_BUDGET:-86400} + 2 * ${XFSTESTS_TEST_TIMEOUT:-600} + 600))}
set +o errexit
"$SRC_DIR/tools/scripts/vm.sh" xfstests
vm_status=$?
set -o errexit

# xfstests' results and the runner's notes, kept outside the VM directory the next run wipes.
rm -rf "$BOUNCEFS_CACHE/xfstests"
cp -r "$out" "$BOUNCEFS_CACHE/xfstests"
report_args=(--tests "$IN_BUILD/vm/xfstests/tests.txt" --rst "$IN_SRC/Documentation/xfstests-results.rst"
	--date "$(date -u '+%Y-%m-%d %H:%M UTC')"
	--source "$(git -C "$dir" describe --always --tags 2>/dev/null || echo "$dir")"
	--disks "$disks")
for fs in $FSTYPES; do
	report_args+=(--results "$fs=$IN_BUILD/vm/xfstests/results/$fs")
done
"$SRC_DIR/tools/scripts/in-root.sh" "$IN_TARGET/release/bouncefs-xfstests-report" "${report_args[@]}" ||
	die xfstests "the report failed (results in $BOUNCEFS_CACHE/xfstests)."
info "results: $BOUNCEFS_CACHE/xfstests/results/FSTYP/ (check.log, generic/NNN.{out.bad,full,notrun,dmesg}); table: Documentation/xfstests-results.rst"
[ "$vm_status" = 0 ] || die xfstests "the VM ended with status $vm_status (log: $BOUNCEFS_CACHE/vm-xfstests.log); the table covers what finished."
