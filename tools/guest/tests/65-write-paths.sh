#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Write paths that must never show another file's old data (issue 19's scenarios, run by
# bouncefs-write-check on a small bouncefs on the plain disk): a buffered write whose copy
# from the caller's buffer stops after its first page (the rest of the buffer unmapped)
# allocates blocks for its whole range; inside a file grown by ftruncate, and past EOF
# followed by a truncate up, the blocks it never reached must read as zeroes, not as the
# marker a deleted file left in them. They are freed again (the counter
# unfilled_blocks_released), and fsck finds the bitmap and the inodes consistent.
# Also: an RWF_NOWAIT O_DIRECT write that would extend the file is refused rather than
# waited for; a new file's access time is now, not 1970; mounting a file
# system whose superblock says it was not unmounted cleanly logs a warning.
# timeout: 300
# cost: 20
. /build/vm/guest/lib.sh

use_bouncefs /tmp/write-paths
dev=$(need_disk BOUNCEFS_DEV_PLAIN)
command -v bouncefs-write-check >/dev/null || fail "bouncefs-write-check is not in PATH: run 'make tools'"

mkfs.bouncefs -f -q "$dev" 4096 || fail "mkfs"
mount -t bouncefs "$dev" $mnt || fail "mount"
bouncefs-write-check $mnt short-write-inside short-write-past-eof || fail "bouncefs-write-check found stale data"
released=$(bouncefs_counter unfilled_blocks_released "$dev")
# Two writes of 16 blocks that each filled one: at least 30 blocks allocated and never
# reached (iomap maps the rest of a short write once more before it gives up, and that
# allocation is released too: 60 in all, measured).
[ "$released" -ge 30 ] || fail "unfilled_blocks_released is $released after two short writes that left 15 blocks each"
umount $mnt || fail "umount"
fsck.bouncefs -n "$dev" || fail "fsck after the short writes"
echo "short writes: no stale data, $released unfilled blocks released, fsck clean"

# The superblock as it is on the device while mounted read-write (marked dirty), kept for
# the unclean mount below.
mount -t bouncefs "$dev" $mnt || fail "mount"
dd if="$dev" of=/tmp/write-paths-sb bs=4096 count=1 iflag=direct status=none || fail "reading the superblock"
now=$(date +%s)
xfs_io -f -d -c "pwrite -q 0 8192" $mnt/nowait || fail "writing 8 KiB with O_DIRECT"
atime=$(stat -c %X $mnt/nowait)
[ "$atime" -ge $((now - 60)) ] || fail "a new file's access time is $atime, the clock says $now"
# -N takes effect with -V only (pwritev2). bouncefs opens files without FMODE_NOWAIT, so
# the VFS refuses RWF_NOWAIT (EOPNOTSUPP); with it, write_iter refuses an extending one
# (EAGAIN). Either way the caller is not blocked and nothing is written.
out=$(xfs_io -d -c "pwrite -V 1 -N -q 8192 4096" $mnt/nowait 2>&1) || true
case $out in
*"Resource temporarily unavailable"* | *"Operation not supported"*) ;;
*) fail "an RWF_NOWAIT O_DIRECT write past EOF was not refused: '$out'" ;;
esac
[ "$(stat -c %s $mnt/nowait)" = 8192 ] || fail "the refused RWF_NOWAIT write changed the size to $(stat -c %s $mnt/nowait)"
umount $mnt || fail "umount"
echo "RWF_NOWAIT O_DIRECT write past EOF refused (${out##*: }); new file's atime $atime (now $now)"

dd if=/tmp/write-paths-sb of="$dev" bs=4096 count=1 oflag=direct conv=notrunc status=none || fail "writing the superblock back"
warning="${dev##*/}: not unmounted cleanly"
before=$(dmesg | grep -c "$warning") || true
mount -t bouncefs "$dev" $mnt || fail "mount of the file system marked not unmounted cleanly"
after=$(dmesg | grep -c "$warning") || true
[ "$after" = $((before + 1)) ] || fail "mounting a file system not unmounted cleanly logged no '$warning'"
umount $mnt || fail "umount"
fsck.bouncefs -n "$dev" || fail "fsck after the unclean mount"
echo "unclean mount: warned in dmesg"
