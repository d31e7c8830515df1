#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm.sh check|demo|shell|bench|xfstests|exec: boot the test kernel with virtme-ng under TCG.
# exec runs the guest command VM_EXEC (with the disks set up, as the suite has them) and
# ends: for experiments and profiling, e.g. VM_EXEC="bash -x /build/vm/guest/tests/50-bouncefs.sh".
#
# The guest runs on the build root (shared read-only by virtme-ng), with
# /build/vm writable. Disks attached:
#   - a QEMU NVMe namespace with protection information (ms=8, pi=1)
#   - a plain virtio-blk disk (serial bouncefs-plain)
#   - scsi_debug with dif=1 dix=1, loaded inside the guest by setup.sh
# xfstests (tools/scripts/xfstests.sh prepares it) gets one PI disk per file system and
# role instead: scsi_debug stores in guest RAM (XFSTESTS_DISKS=scsi_debug, loaded by the
# guest; the memory is added here), or QEMU NVMe namespaces (XFSTESTS_DISKS=nvme, serial
# xt-FSTYP-test|scratch: NVMe serials have at most 20 characters).
# KVM is never used: it is not usable on the machines this project runs on.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root vm

mode=${1:-}
case "$mode" in check | demo | shell | bench | xfstests | exec) ;; *) die vm "usage: vm.sh check|demo|shell|bench|xfstests|exec" ;; esac
[ "$mode" != exec ] || [ -n "${VM_EXEC:-}" ] || die vm "vm.sh exec runs the guest command in VM_EXEC, which is empty."
[ -f "$TREE/arch/x86/boot/bzImage" ] || die vm "no built kernel: run 'make kernel'."

# The guest always finds its directory at /build/vm. VM_INSTANCE names another directory
# of the cache to stand there (bound by in-root.sh), so that VMs can run side by side
# (make xfstests runs one per file system); its log is vm-$mode-$VM_INSTANCE.log.
IN_VM=$IN_BUILD/vm
VM=$ROOT$IN_VM
log=$BOUNCEFS_CACHE/vm-$mode.log
logs=$BOUNCEFS_CACHE/vm-logs
if [ -n "${VM_INSTANCE:-}" ] && [ "$VM_INSTANCE" != vm ]; then
	case $VM_INSTANCE in */* | .*) die vm "VM_INSTANCE: '$VM_INSTANCE' is not a plain directory name." ;; esac
	VM=$ROOT$IN_BUILD/$VM_INSTANCE
	mkdir -p "$VM" "$ROOT$IN_VM"
	export BOUNCEFS_BIND="${BOUNCEFS_BIND:+$BOUNCEFS_BIND
}$VM:$IN_VM"
	log=$BOUNCEFS_CACHE/vm-$mode-$VM_INSTANCE.log
	logs=$BOUNCEFS_CACHE/vm-logs-$VM_INSTANCE
fi
# Guest memory: KASAN's shadow takes an eighth; 2 GiB leaves room for the disks' page cache.
# make bench's scsi_debug disk is larger (768 MiB, kept in guest RAM).
VM_MEMORY=${VM_MEMORY:-$([ "$mode" = bench ] && echo 3G || echo 2G)}
VM_CPUS=${VM_CPUS:-2}
# A hung guest must end the run, not CI's clock: timeout signals the whole process
# group (no --foreground), so QEMU goes too. The suite took 25-39 minutes here, so 2400 s
# left it no margin; each test has its own limit besides (# timeout: N).
VM_TIMEOUT=${VM_TIMEOUT:-3600}
DISK_MB=512
# make bench writes files of up to 1 GiB on the NVMe PI disk (a sparse image on the host,
# so its size costs no guest memory), and puts XFS on a second namespace of the same
# controller, so that bouncefs and XFS each keep their file system for the whole run.
NVME_DISK_MB=$DISK_MB
[ "$mode" != bench ] || NVME_DISK_MB=1536

mkdir -p "$VM/logs"
rm -rf "$VM/guest" "$VM/logs"/* "$VM/data"
cp -r "$SRC_DIR/tools/guest" "$VM/guest"
# Test data the guest reads as one file (/build/vm/data): walking the root over 9p costs a
# round trip per file under TCG. The bouncefs test copies this real tree in and out.
mkdir -p "$VM/data"
(cd "$ROOT/usr/share/doc" && tar -cf "$VM/data/doc.tar" [a-d]*) ||
	die vm "cannot pack $ROOT/usr/share/doc/[a-d]* for the bouncefs test."
# Fresh disks for every boot: tests write to them.
fresh_disks() {
	rm -f "$VM/nvme-pi.img" "$VM/nvme-pi2.img" "$VM/plain.img"
	truncate -s ${NVME_DISK_MB}M "$VM/nvme-pi.img"
	truncate -s ${DISK_MB}M "$VM/plain.img"
	[ "$mode" != bench ] || truncate -s ${NVME_DISK_MB}M "$VM/nvme-pi2.img"
}
fresh_disks
# An interactive shell in the guest gets the same set-up as the suite.
cat >"$ROOT/root/.bashrc" <<'RC'
# Written by bouncefs' tools/scripts/vm.sh: inside the VM, set up disks and paths.
if grep -q virtme /proc/cmdline 2>/dev/null && [ -z "${BOUNCEFS_DEV_PLAIN+set}" ]; then
	. /build/vm/guest/setup.sh
fi
RC

qemu_opts="-drive file=$IN_VM/nvme-pi.img,if=none,id=nvpi,format=raw"
qemu_opts+=" -device nvme,serial=bouncefs-nvme-pi,id=nvme0"
qemu_opts+=" -device nvme-ns,drive=nvpi,bus=nvme0,nsid=1,ms=8,pi=1"
if [ "$mode" = bench ]; then
	qemu_opts+=" -drive file=$IN_VM/nvme-pi2.img,if=none,id=nvpi2,format=raw"
	qemu_opts+=" -device nvme-ns,drive=nvpi2,bus=nvme0,nsid=2,ms=8,pi=1"
fi
qemu_opts+=" -drive file=$IN_VM/plain.img,if=none,id=plain,format=raw"
qemu_opts+=" -device virtio-blk-pci,drive=plain,serial=bouncefs-plain"
extra_rw=()
if [ "$mode" = xfstests ]; then
	# xfstests.sh wrote $VM/xfstests/env; the checkout is at XFSTESTS_IN_ROOT (bound there
	# by in-root.sh when it lives outside the root). TEST_DEV and SCRATCH_DEV must not be
	# shared between file systems, so each gets its own pair, and xfstests wants more room
	# than the suite's disks: 2 GiB, sparse.
	[ -n "${XFSTESTS_IN_ROOT:-}" ] && [ -f "$VM/xfstests/env" ] ||
		die vm "vm.sh xfstests is started by 'make xfstests' (tools/scripts/xfstests.sh)."
	qemu_opts=""
	n=0
	for fs in ${FSTYPES:-bouncefs xfs}; do
		for role in test scratch; do
			n=$((n + 1))
			[ "${XFSTESTS_DISKS:-scsi_debug}" = nvme ] || continue
			img=xfst-$fs-$role.img
			rm -f "$VM/$img"
			truncate -s "${XFSTESTS_DISK_MB:-2048}M" "$VM/$img"
			qemu_opts+=" -drive file=$IN_VM/$img,if=none,id=xd$n,format=raw"
			qemu_opts+=" -device nvme,serial=xt-$fs-$role,id=xnvme$n"
			qemu_opts+=" -device nvme-ns,drive=xd$n,bus=xnvme$n,nsid=1,ms=8,pi=1"
		done
	done
	# scsi_debug keeps its disks (and 8 bytes of PI per sector) in guest RAM.
	[ "${XFSTESTS_DISKS:-scsi_debug}" = nvme ] || VM_MEMORY=$((2048 + n * ${XFSTESTS_DISK_MB:-1024} * 66 / 64))M
	extra_rw=(--rwdir "$XFSTESTS_IN_ROOT")
fi
# VM_QEMU_OPTS: more QEMU options, for experiments (VM_QEMU_OPTS="-cpu max").
[ -z "${VM_QEMU_OPTS:-}" ] || qemu_opts+=" $VM_QEMU_OPTS"
# VMs that share make check's suite claim its tests in one directory all of them write
# (check.sh empties it before they start).
if [ "$mode" = check ] && [ -n "${VM_NAME:-}" ]; then
	mkdir -p "$ROOT$IN_BUILD/claims"
	extra_rw+=(--rwdir "$IN_BUILD/claims")
fi

# no5lvl: under TCG the guest CPU offers 5-level paging, and with it KASAN reports a
# wild-memory-access in the first interrupts of early boot (handle_edge_irq during
# identify_cpu) in 2 of 4 boots measured; with 4-level paging none in 15+ boots (see
# Documentation/testing.rst, "Known issues").
# virtme-ng passes loglevel=1: an oops or a kernel warning would not reach the console, and
# a guest that dies takes its kernel log with it. xfstests runs for hours, so its console
# (the VM's log) keeps every message down to warnings; VM_VERBOSE=1 keeps all of them.
# log_buf_len: the runner reads the kernel log while each test runs and fails a test whose
# records were overwritten before it read them; 64 MiB holds the boot's KUnit output and the
# floods of the race and io-errors tests many times over.
append="no5lvl log_buf_len=64M"
[ "$mode" != xfstests ] || append+=" loglevel=5"
# The kernel crate's KUnit suites take minutes at every boot under KASAN: only the VM that
# reports them runs them (make check's first VM; VM_KUNIT=1 elsewhere to have them).
[ "${VM_KUNIT:-$([ "$mode" = check ] && echo 1 || echo 0)}" = 1 ] || append+=" kunit.enable=0"
# VM_APPEND: more kernel parameters, for experiments (VM_APPEND="kmemleak=off").
[ -z "${VM_APPEND:-}" ] || append+=" $VM_APPEND"
# --force-9p: virtme-ng would share the root with virtiofs, whose daemon writes file data
# straight into guest memory, behind TCG's back: TCG keeps translated code by physical page
# and only notices writes that pass through QEMU. Once the guest reuses a page that held
# code (echo 3 >drop_caches in xfstests' generic/391, or reclaim), programs run stale
# translations and segfault. 9p's reads go through QEMU, which drops those translations.
vng_cmd=(vng --disable-kvm --force-9p --cpus "$VM_CPUS" --memory "$VM_MEMORY" --rwdir "$IN_VM"
	${extra_rw[@]+"${extra_rw[@]}"} --append "$append" "--qemu-opts=$qemu_opts")
[ "${VM_VERBOSE:-0}" = 0 ] || vng_cmd+=(--verbose)

case "$mode" in
shell)
	info "interactive VM: the disks are set up by /build/vm/guest/setup.sh (sourced by root's .bashrc); leave with 'exit' or Ctrl-D"
	exec "$SRC_DIR/tools/scripts/in-root.sh" sh -c "cd $IN_TREE && exec ${vng_cmd[*]@Q}"
	;;
check)
	step "boot the test kernel and run the in-guest suite${VM_NAME:+ (VM $VM_NAME)}" "10-20 min under TCG with KASAN"
	guest_cmd="TESTS='${TESTS:-}' VM_NAME='${VM_NAME:-}' VM_KUNIT='${VM_KUNIT:-1}' $IN_VM/guest/run.sh check"
	;;
demo)
	step "boot the test kernel and run the demo" "1 min under TCG with KASAN"
	guest_cmd="$IN_VM/guest/run.sh demo"
	;;
bench)
	step "boot the test kernel and run the benchmarks" "30-40 min under TCG with KASAN"
	# The BENCH_* knobs of tools/guest/bench.sh, passed on when set.
	guest_cmd=
	for var in BENCH_GROUPS BENCH_REPS BENCH_RUNTIME BENCH_RAMP BENCH_SIZE BENCH_FILE_SIZES BENCH_SCSI_MB; do
		[ -z "${!var:-}" ] || guest_cmd+="$var=${!var@Q} "
	done
	guest_cmd+="$IN_VM/guest/run.sh bench"
	;;
exec)
	step "boot the test kernel and run: $VM_EXEC" "2 min to boot under TCG with KASAN"
	guest_cmd=". $IN_VM/guest/setup.sh && $VM_EXEC"
	;;
xfstests)
	step "boot the test kernel and run xfstests" "seconds to minutes per test under TCG with KASAN: hours for the whole selection"
	guest_cmd="$IN_VM/guest/xfstests.sh"
	;;
esac

# qemu_abort LOG: the line of LOG in which QEMU itself gave up (an assertion or a fatal
# error of the emulator, not of the guest), if any.
qemu_abort() {
	grep -E -m 1 '^qemu-system-[a-z0-9_]+: .*(Assertion .* failed|fatal error|internal SIG)' "$1"
}

# QEMU 10.0's TCG has aborted on an assertion of its own (iotlb_to_section in
# system/physmem.c) once, in CI, seconds into a boot (Documentation/testing.rst, "Known
# issues"). That is the emulator's crash, not the guest's: the VM boots once more, on
# fresh disks, and says so. Tests the first boot claimed are released to the second. A
# second abort fails the run. xfstests runs for hours and is not repeated.
attempt=1
while :; do
	# QEMU reopens its stdout: log through a pipe, never a redirection.
	set +o errexit
	timeout -k 10 "$VM_TIMEOUT" "$SRC_DIR/tools/scripts/in-root.sh" sh -c \
		"cd $IN_TREE && exec ${vng_cmd[*]@Q} --exec ${guest_cmd@Q}" 2>&1 </dev/null | tee "$log"
	status=${PIPESTATUS[0]}
	set -o errexit
	[ "$status" != 0 ] && [ "$status" != 124 ] && [ "$attempt" = 1 ] && [ "$mode" != xfstests ] &&
		abort_line=$(qemu_abort "$log") || break
	attempt=2
	cp "$log" "$log.qemu-abort"
	printf '\nWARNING [vm]: QEMU itself aborted (exit status %s): %s\n' "$status" "$abort_line" >&2
	printf 'WARNING [vm]: an emulator crash, not the guest'"'"'s (console kept in %s); booting the VM once more on fresh disks\n' \
		"$log.qemu-abort" >&2
	if [ "$mode" = check ] && [ -n "${VM_NAME:-}" ]; then
		for claim in "$ROOT$IN_BUILD/claims"/*/; do
			[ ! -e "$claim/vm-$VM_NAME" ] || rm -rf "$claim"
		done
	fi
	rm -rf "${VM:?}/logs"/*
	fresh_disks
done
rm -rf "$logs"
cp -r "$VM/logs" "$logs" 2>/dev/null || true
case $status in
0) step_done ;;
124) die vm "the VM did not finish within ${VM_TIMEOUT}s (log: $log); a hung guest or a stuck test." ;;
*) exit "$status" ;;
esac
