#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Asynchronous direct I/O on bouncefs on the SCSI PI disk: fio writes and verifies random
# blocks (4-64 KiB, queue depth 8) with libaio and with io_uring. Every bio bounces, every
# bounced read completes in a worker, and fio's checksums find no difference.
# timeout: 600
. /build/vm/guest/lib.sh

use_bouncefs /tmp/bouncefs
dev=$(need_disk BOUNCEFS_DEV_SCSI_PI)
command -v fio >/dev/null || fail "fio is missing"

counter() {
	awk -v n="$1" '$1 == n { print $2 }' "/sys/kernel/debug/bouncefs-${dev##*/}/counters"
}

mkfs.bouncefs -f -q "$dev" || fail "mkfs"
for engine in libaio io_uring; do
	mount -t bouncefs "$dev" $mnt || fail "mount"
	fio --name=$engine --filename=$mnt/$engine --ioengine=$engine --direct=1 --iodepth=8 \
		--rw=randwrite --bsrange=4k-64k --size=16m --verify=crc32c --verify_fatal=1 \
		--do_verify=1 --output-format=terse >/tmp/fio.out 2>&1 || {
		cat /tmp/fio.out
		fail "fio $engine"
	}
	br=$(counter bounced_read_bios); bw=$(counter bounced_write_bios)
	zc=$(counter zero_copy_bios); ct=$(counter completions_in_task)
	echo "$engine: 16 MiB written and verified; bounced_write_bios=$bw bounced_read_bios=$br zero_copy_bios=$zc completions_in_task=$ct"
	[ "$bw" -gt 0 ] && [ "$br" -gt 0 ] && [ "$zc" = 0 ] || fail "$engine: not every bio bounced"
	[ "$ct" = "$br" ] || fail "$engine: $br bounced reads, $ct completed in a worker"
	umount $mnt || fail "umount"
done
fsck.bouncefs -n "$dev" || fail "fsck after fio"
