#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Asynchronous direct I/O on bouncefs on the SCSI PI disk: fio writes and verifies random
# blocks (4-64 KiB, queue depth 8) with libaio, with io_uring, and with io_uring from
# registered buffers (fixedbufs: the requests carry bvecs, not user addresses, into the
# bounce copy). Every bio bounces, every
# bounced read completes in a worker, and fio's checksums find no difference. Then writes
# that cover blocks in part, several in flight, keep each other's data.
# timeout: 600
# cost: 115
. /build/vm/guest/lib.sh

use_bouncefs /tmp/bouncefs
dev=$(need_disk BOUNCEFS_DEV_SCSI_PI)
command -v fio >/dev/null || fail "fio is missing"

counter() {
	bouncefs_counter "$1" "$dev"
}

mkfs.bouncefs -f -q "$dev" || fail "mkfs"
# 12 MiB each: several hundred requests of 4-64 KiB at queue depth 8 per engine.
for run in libaio io_uring io_uring-fixedbufs; do
	engine=${run%-fixedbufs}
	fixed=0
	[ "$run" = "$engine" ] || fixed=1
	mount -t bouncefs "$dev" $mnt || fail "mount"
	fio --name=$run --filename=$mnt/$run --ioengine=$engine --direct=1 --iodepth=8 \
		--rw=randwrite --bsrange=4k-64k --size=12m --verify=crc32c --verify_fatal=1 \
		--do_verify=1 --output-format=terse $([ $fixed = 1 ] && echo --fixedbufs=1) \
		>/tmp/fio.out 2>&1 || {
		cat /tmp/fio.out
		fail "fio $run"
	}
	br=$(counter bounced_read_bios); bw=$(counter bounced_write_bios)
	zc=$(counter zero_copy_bios); ct=$(counter completions_in_task)
	echo "$run: 12 MiB written and verified; bounced_write_bios=$bw bounced_read_bios=$br zero_copy_bios=$zc completions_in_task=$ct"
	[ "$bw" -gt 0 ] && [ "$br" -gt 0 ] && [ "$zc" = 0 ] || fail "$run: not every bio bounced"
	[ "$ct" = "$br" ] || fail "$run: $br bounced reads, $ct completed in a worker"
	umount $mnt || fail "umount"
done

# Sub-block writes in flight together (xfstests' generic/240): 4 KiB writes at 512 + 4 KiB
# * n into a sparse file, eight in flight, each block covered in part by two writes. iomap
# zeroes the uncovered part of an unwritten block, so a write racing its neighbour would
# zero the neighbour's data; bouncefs makes sub-block writes wait for the rest.
mount -t bouncefs "$dev" $mnt || fail "mount"
fio --name=sub-block --filename=$mnt/sub-block --ioengine=libaio --direct=1 --iodepth=8 \
	--rw=write --bs=4k --offset=512 --size=4m --fallocate=none --verify=crc32c \
	--verify_fatal=1 --do_verify=1 --output-format=terse >/tmp/fio.out 2>&1 || {
	cat /tmp/fio.out
	fail "fio: sub-block writes in flight together lost data"
}
echo "sub-block: 4 MiB of 4 KiB writes at 512-byte offsets written and verified"
umount $mnt || fail "umount"
fsck.bouncefs -n "$dev" || fail "fsck after fio"
