#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo.sh: what the project does so far, as a short transcript (make demo).
set -eu
. /build/vm/guest/lib.sh

say() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; sh -c "$*"; }

say "The test kernel: Linux $(uname -r), built with clang/LLVM, KASAN and lockdep on"
run "dmesg | grep -m1 'KernelAddressSanitizer initialized'"

say "Three disks: two carry T10 protection information (the device checksums every 512 bytes), one does not"
for dev in "$BOUNCEFS_DEV_SCSI_PI" "$BOUNCEFS_DEV_NVME_PI" "$BOUNCEFS_DEV_PLAIN"; do
	printf '%-10s integrity/format = %s\n' "${dev##*/}" "$(cat "$(sysblock "$dev")/integrity/format")"
done
echo "(/sys/block/*/queue/stable_writes reads 0 on all three: the kernel's bdev_stable_writes() also counts the checksum, which sysfs does not show.)"

say "A Rust module asks the kernel, through the kernel crate's new block-device abstraction, which disks need stable pages"
run "insmod $(module_path rust_bdev_report)"
for dev in "$BOUNCEFS_DEV_SCSI_PI" "$BOUNCEFS_DEV_NVME_PI" "$BOUNCEFS_DEV_PLAIN"; do
	run "echo $dev > /dev/bdev-report"
done
run "dmesg | grep rust_bdev_report:"
run "rmmod rust_bdev_report"

say "bouncefs, a read-write Rust file system, decides at mount time how direct I/O must go"
mkdir -p /tmp/bfs
run "insmod $(module_path bouncefs)"
run "mkfs -t bouncefs -f -q $BOUNCEFS_DEV_SCSI_PI"
run "mount -t bouncefs $BOUNCEFS_DEV_SCSI_PI /tmp/bfs"
run "dmesg | grep 'bouncefs: ' | tail -n 1"

say "O_DIRECT on the PI disk: every bio goes through bounce pages, every bounced read completes in a worker"
tr=/sys/kernel/tracing
echo >$tr/trace
echo 1 >$tr/events/bouncefs/enable
run "head -c 1048576 /dev/urandom > /tmp/ref && dd if=/tmp/ref of=/tmp/bfs/f bs=1M oflag=direct status=none"
run "dd if=/tmp/bfs/f bs=1M iflag=direct status=none | cmp - /tmp/ref && echo same data"
echo 0 >$tr/events/bouncefs/enable
run "grep -o 'bouncefs_dio.*' $tr/trace"
run "cat /sys/kernel/debug/bouncefs-${BOUNCEFS_DEV_SCSI_PI##*/}/counters"
run "cp -a /usr/share/doc/[a-c]* /tmp/bfs/ && umount /tmp/bfs && fsck -t bouncefs -n $BOUNCEFS_DEV_SCSI_PI"

say "The plain disk stays zero-copy, unless bounce=always"
for opt in auto always; do
	run "mkfs.bouncefs -f -q $BOUNCEFS_DEV_PLAIN && mount -t bouncefs -o bounce=$opt $BOUNCEFS_DEV_PLAIN /tmp/bfs"
	run "dd if=/tmp/ref of=/tmp/bfs/f bs=1M oflag=direct status=none && grep -E 'bounced_write_bios|zero_copy_bios' /sys/kernel/debug/bouncefs-${BOUNCEFS_DEV_PLAIN##*/}/counters"
	run "umount /tmp/bfs"
done
run "dmesg | grep 'bouncefs: ' | tail -n 2"
run "rmmod bouncefs"

say "The kernel crate's new bio bounce wrapper (bio_iov_iter_bounce/unbounce) and iomap flags ran their KUnit tests at boot"
for suite in rust_bio_bounce rust_iomap; do
	run "grep -E '^    (not )?ok|^(not )?ok' /sys/kernel/debug/kunit/$suite/results"
done

say "Still to come: the race IOMAP_DIO_BOUNCE exists for, shown against XFS, and fio benchmarks."
