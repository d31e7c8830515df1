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

say "A Rust file system (probefs, on the new kernel::fs::sb layer) decides at mount time how direct I/O must go"
mkdir -p /tmp/probefs
run "insmod $(module_path rust_probefs)"
for dev in "$BOUNCEFS_DEV_SCSI_PI" "$BOUNCEFS_DEV_PLAIN"; do
	run "mount -t probefs $dev /tmp/probefs && stat -f -c 'statfs: type %t, %b blocks of %S bytes' /tmp/probefs && umount /tmp/probefs"
done
run "mount -t probefs -o bounce=never $BOUNCEFS_DEV_NVME_PI /tmp/probefs && umount /tmp/probefs"
run "dmesg | grep rust_probefs:"
run "rmmod rust_probefs"

say "The kernel crate's new bio bounce wrapper (bio_iov_iter_bounce/unbounce) and iomap flags ran their KUnit tests at boot"
for suite in rust_bio_bounce rust_iomap; do
	run "grep -E '^    (not )?ok|^(not )?ok' /sys/kernel/debug/kunit/$suite/results"
done

say "On the PI disks, direct I/O must not let user pages change in flight: that is what IOMAP_DIO_BOUNCE is for (bouncefs, coming next)."
