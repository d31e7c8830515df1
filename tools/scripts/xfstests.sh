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
#   XFSTESTS_SOAK_DURATION how long xfstests' soak tests run (SOAK_DURATION; default half
#                          of XFSTESTS_TEST_TIMEOUT, in seconds)
#   XFSTESTS_BUDGET        seconds after which no further chunk of tests starts (default:
#                          no limit); tests not reached are listed as such in the report
#   XFSTESTS_DISKS         scsi_debug (default): dif=1 dix=1 disks in guest RAM, which
#                          store data and protection information of a write atomically;
#                          nvme: QEMU NVMe namespaces with PI (ms=8, pi=1), which write
#                          them as two requests, so overlapping concurrent writes can
#                          leave a sector whose guard tag fails (Documentation/testing.rst)
#   XFSTESTS_DISK_MB       size of each disk, two per file system (default 1024 for
#                          scsi_debug, 2048 for nvme)
#   XFSTESTS_RESUME        1: go on with the previous run in this cache (same selection),
#                          running only the tests that have no result yet
#   XFSTESTS_PARALLEL      1: one VM per file system, side by side; 0: one VM runs them
#                          in turn; default 1 when the host has a core for every vCPU
#   VM_CPUS                vCPUs of each VM (default 2)
#   XFSTESTS_KEEP          1 (default): add the verdicts to the record of earlier runs,
#                          Documentation/xfstests-results.tsv, so the report covers the
#                          whole selection, each test with the latest run that gave it a
#                          verdict; 0: start a new record with this run alone
#
# Results: $BOUNCEFS_CACHE/xfstests/xfstests-GROUP/ (xfstests' own results per file
# system, progress, dmesg), the table printed at the end and written to
# Documentation/xfstests-results.rst, the record to Documentation/xfstests-results.tsv.
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
selection=$(select_tests)
[ -n "$selection" ] || die xfstests "no test in $dir/tests/generic calls _require_odirect, _require_aiodio or _require_dio."
if [ -n "${TESTS:-}" ]; then
	tests=$(printf '%s\n' $TESTS)
	for t in $tests; do
		[ -f "$dir/tests/$t" ] || die xfstests "TESTS: no test $t in $dir/tests."
	done
else
	tests=$selection
fi

# The record of earlier runs (XFSTESTS_KEEP=1): under TCG no session runs the whole
# selection on both file systems, so the report adds this run's verdicts to the earlier
# ones and covers the selection (and any other test named in TESTS).
case ${XFSTESTS_KEEP:=1} in 0 | 1) ;; *) die xfstests "XFSTESTS_KEEP: '$XFSTESTS_KEEP' is not 0 or 1." ;; esac
record=Documentation/xfstests-results.tsv
[ "$XFSTESTS_KEEP" = 1 ] || rm -f "$SRC_DIR/$record"
covered=$(printf '%s\n' $selection $tests | sort -u)

# One VM per file system, side by side (XFSTESTS_PARALLEL=1), or one VM that runs them in
# turn, chunk by chunk (0). Under TCG every vCPU is a host thread and the tests keep more
# than one busy (the test program, I/O completions, the bounce workqueue): one vCPU made
# them 1.7 to 2.6 times slower than two, so the VMs get two vCPUs each and run side by side
# only where the host has a core for every vCPU.
export VM_CPUS=${VM_CPUS:-2}
case ${XFSTESTS_PARALLEL:=$(($(nproc) >= $(wc -w <<<"$FSTYPES") * VM_CPUS))} in
1)
	read -r -a groups <<<"$FSTYPES"
	vms="one VM of $VM_CPUS vCPUs per file system, side by side"
	[ ${#groups[@]} -gt 1 ] || vms="one VM of $VM_CPUS vCPUs"
	;;
0)
	groups=("$FSTYPES")
	vms="one VM of $VM_CPUS vCPUs running the file systems in turn"
	;;
*) die xfstests "XFSTESTS_PARALLEL: '$XFSTESTS_PARALLEL' is not 0 or 1." ;;
esac

# The kernel's kind goes into the report: times with and without KASAN differ severalfold.
if grep -q '^CONFIG_KASAN=y' "$TREE/.config"; then
	vms+="; kernel with KASAN and lockdep"
else
	vms+="; kernel without debugging options (KERNEL_DEBUG=0)"
fi

# instance GROUP: the cache directory of the VM that runs GROUP (a list of file systems).
instance() { echo "xfstests-${1// /-}"; }

# have_results DIR...: the tests with a verdict (passed, failed, killed, not run) in the
# check.log of every one of the RESULT_BASE directories DIR; check writes the verdicts
# when a ./check run ends, so the tests of a chunk cut short have none.
have_results() {
	local d
	for d in "$@"; do
		sed -n 's/^\(Ran\|Not run\|Failures\)://p' "$d/check.log" 2>/dev/null | tr ' ' '\n' | sort -u
	done | grep . | sort | uniq -c | awk -v n=$# '$1 == n { print $2 }'
}

# XFSTESTS_RESUME=1 goes on with the previous run of the same selection in this cache: its
# results are kept, and only the tests without a result on every file system run.
case ${XFSTESTS_RESUME:=0} in 0 | 1) ;; *) die xfstests "XFSTESTS_RESUME: '$XFSTESTS_RESUME' is not 0 or 1." ;; esac
for group in "${groups[@]}"; do
	out=$ROOT$IN_BUILD/$(instance "$group")/xfstests
	dirs=()
	for fs in $group; do dirs+=("$out/results/$fs"); done
	if [ "$XFSTESTS_RESUME" = 1 ]; then
		[ -f "$out/tests.txt" ] ||
			die xfstests "XFSTESTS_RESUME=1: no previous run of $group in $BOUNCEFS_CACHE to resume."
		[ "$(printf '%s\n' $tests)" = "$(cat "$out/tests.txt")" ] ||
			die xfstests "XFSTESTS_RESUME=1: the previous run of $group selected other tests ($out/tests.txt); resume with the same TESTS."
		printf '%s\n' $tests | grep -vxF -f <(have_results "${dirs[@]}"; echo /) >"$out/run.txt" || true
		rm -f "$out/stopped-at"
		info "$group: $(wc -l <"$out/run.txt") of $(wc -l <"$out/tests.txt") tests left to run"
	else
		rm -rf "$out"
		mkdir -p "$out"
		printf '%s\n' $tests >"$out/tests.txt"
		cp "$out/tests.txt" "$out/run.txt"
	fi
	cat >"$out/env" <<EOF
XFSTESTS_DIR=$in_dir
FSTYPES="$group"
XFSTESTS_TEST_TIMEOUT=${XFSTESTS_TEST_TIMEOUT:-600}
XFSTESTS_SOAK_DURATION=${XFSTESTS_SOAK_DURATION:-$((${XFSTESTS_TEST_TIMEOUT:-600} / 2))}
XFSTESTS_BUDGET=${XFSTESTS_BUDGET:-999999}
XFSTESTS_CHUNK=${XFSTESTS_CHUNK:-10}
XFSTESTS_DISKS=$XFSTESTS_DISKS
XFSTESTS_DISK_MB=$XFSTESTS_DISK_MB
EOF
done
ntests=$(printf '%s\n' $tests | wc -l)
info "$ntests tests on $FSTYPES, $disks, $vms, from $dir ($(git -C "$dir" describe --always --tags 2>/dev/null || echo 'not a git checkout'))"

# The whole run may take hours under TCG; the budget, not the VM's timeout, should end it.
export XFSTESTS_IN_ROOT=$in_dir
export VM_TIMEOUT=${VM_TIMEOUT:-$((${XFSTESTS_BUDGET:-86400} + 2 * ${XFSTESTS_TEST_TIMEOUT:-600} + 600))}
# The bouncefs the VM runs, for the record; -dirty when the working tree has changes.
commit=$(git -C "$SRC_DIR" describe --always --dirty 2>/dev/null || echo unknown)
start=$(date +%s)
pids=()
pid_groups=()
for group in "${groups[@]}"; do
	name=$(instance "$group")
	[ -s "$ROOT$IN_BUILD/$name/xfstests/run.txt" ] || continue
	# Each VM's output, line by line, tagged with its name when several run at once.
	if [ "${#groups[@]}" -gt 1 ]; then
		(
			VM_INSTANCE=$name FSTYPES=$group "$SRC_DIR/tools/scripts/vm.sh" xfstests 2>&1 |
				sed -u "s/^/[$name] /"
			exit "${PIPESTATUS[0]}"
		) &
	else
		VM_INSTANCE=$name FSTYPES=$group "$SRC_DIR/tools/scripts/vm.sh" xfstests &
	fi
	pids+=($!)
	pid_groups+=("$group")
done
vm_status=0
for i in "${!pids[@]}"; do
	wait "${pids[i]}" || {
		vm_status=$?
		info "the VM of ${pid_groups[i]} ended with status $vm_status (log: $BOUNCEFS_CACHE/vm-xfstests-$(instance "${pid_groups[i]}").log)"
	}
done
wall=$(($(date +%s) - start))

# xfstests' results and the runner's notes, kept outside the VM directories the next run
# wipes: $BOUNCEFS_CACHE/xfstests/xfstests-GROUP/.
rm -rf "$BOUNCEFS_CACHE/xfstests"
mkdir -p "$BOUNCEFS_CACHE/xfstests"
printf '%s\n' $covered >"$BOUNCEFS_CACHE/xfstests/covered.txt"
cp "$BOUNCEFS_CACHE/xfstests/covered.txt" "$ROOT$IN_BUILD/xfstests-covered.txt"
report_args=(--tests "$IN_BUILD/xfstests-covered.txt"
	--record "$IN_SRC/$record"
	--rst "$IN_SRC/Documentation/xfstests-results.rst"
	--date "$(date -u -d "@$start" '+%Y-%m-%d %H:%M UTC')"
	--source "$(git -C "$dir" describe --always --tags 2>/dev/null || echo "$dir")"
	--commit "$commit"
	--disks "$disks" --vms "$vms, ${wall} s wall time")
for group in "${groups[@]}"; do
	name=$(instance "$group")
	cp -r "$ROOT$IN_BUILD/$name/xfstests" "$BOUNCEFS_CACHE/xfstests/$name"
	for fs in $group; do
		report_args+=(--results "$fs=$IN_BUILD/$name/xfstests/results/$fs")
	done
done
"$SRC_DIR/tools/scripts/in-root.sh" "$IN_TARGET/release/bouncefs-xfstests-report" "${report_args[@]}" ||
	die xfstests "the report failed (results in $BOUNCEFS_CACHE/xfstests)."
info "results: $BOUNCEFS_CACHE/xfstests/xfstests-*/results/FSTYP/ (check.log, generic/NNN.{out.bad,full,notrun,dmesg}); table: Documentation/xfstests-results.rst; ${wall} s"
[ "$vm_status" = 0 ] || die xfstests "a VM ended with status $vm_status (logs: $BOUNCEFS_CACHE/vm-xfstests-*.log); the table covers what finished."
