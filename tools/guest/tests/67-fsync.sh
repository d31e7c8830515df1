#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What fsync promises (issue 19, scenarios 4, 5 and 6), on bouncefs behind a dm device
# whose table the test swaps: linear while healthy, dm-flakey to fail or drop writes.
# - writeback-error-every-fd (bouncefs-write-check): 64 KiB written through one descriptor,
#   writes fail, fsync of a second descriptor gets EIO; healed, the writer's own gets EIO
#   too, once (errseq).
# - 30 files make a directory grow to three blocks, a new file is written and fsynced,
#   then a power cut (drop_writes, umount, heal, mount): the file keeps name and data, and
#   fsck -p leaves a file system fsck -n finds clean.
# - On the NVMe PI disk (FUA and a write cache; virtio-blk has no FUA): blocks of a
#   buffered write written back with sync_file_range, inode not written, overwritten by an
#   async O_DSYNC O_DIRECT write (fio, libaio); after a power cut the file holds it.
# timeout: 300
# cost: 95
. /build/vm/guest/lib.sh

dev=$(need_disk BOUNCEFS_DEV_PLAIN)
dm=bouncefs-fsync
use_bouncefs_on_dm /tmp/fsync $dm
command -v bouncefs-write-check >/dev/null || fail "bouncefs-write-check is not in PATH: run 'make tools'"

sectors=$(blockdev --getsz "$dev")
healthy="0 $sectors linear $dev 0"
# Up 0 s, down 3600 s: down for the whole test.
failing="0 $sectors flakey $dev 0 0 3600 1 error_writes"
dropping="0 $sectors flakey $dev 0 0 3600 1 drop_writes"
# table TABLE: swaps the device's table under the mounted file system (no freeze).
table() {
	dmsetup suspend --nolockfs $dm && dmsetup load $dm --table "$1" && dmsetup resume $dm
}

# power_cut: the device drops every write from now on, the file system is unmounted (its
# last writes lost), the device healed and the file system mounted again.
power_cut() {
	table "$dropping" || fail "switching $dm to drop writes"
	umount $mnt || fail "umount while writes are dropped"
	table "$healthy" || fail "healing $dm"
	mount -t bouncefs /dev/mapper/$dm $mnt || fail "mount after the dropped writes"
}

# fsck_after_cut: after an unmount, fsck -p must repair what a power cut left (the dirty
# state, and without a journal maybe derived data), then fsck -n find nothing.
fsck_after_cut() {
	rc=0
	fsck.bouncefs -p /dev/mapper/$dm >/tmp/fsync-fsck 2>&1 || rc=$?
	[ $rc -le 1 ] || fail "fsck -p after the power cut exited $rc: $(cat /tmp/fsync-fsck)"
	fsck.bouncefs -n /dev/mapper/$dm || fail "fsck -n after fsck -p"
}

mkfs.bouncefs -f -q "$dev" 4096 || fail "mkfs"
dmsetup create $dm --table "$healthy" || fail "dmsetup create"
mount -t bouncefs /dev/mapper/$dm $mnt || fail "mount"

bouncefs-write-check $mnt --fail-writes "dmsetup suspend --nolockfs $dm && dmsetup load $dm --table '$failing' && dmsetup resume $dm" \
	--heal "dmsetup suspend --nolockfs $dm && dmsetup load $dm --table '$healthy' && dmsetup resume $dm" \
	writeback-error-every-fd || fail "a writeback error did not reach every descriptor"

mkdir $mnt/d
sync
i=0
while [ $i -lt 30 ]; do
	: >$mnt/d/f$i
	i=$((i + 1))
done
head -c 65536 /dev/urandom >/tmp/fsync-data
xfs_io -f -c "pwrite -q -i /tmp/fsync-data 0 65536" -c fsync $mnt/d/new || fail "writing and fsyncing d/new"
power_cut
[ -e $mnt/d/new ] || fail "d/new, fsynced before the power cut, has no name after it (d holds $(ls $mnt/d | wc -l) names)"
cmp $mnt/d/new /tmp/fsync-data || fail "d/new does not hold the 64 KiB fsynced before the power cut"
umount $mnt || fail "umount"
fsck_after_cut
echo "writeback error: EIO on every descriptor; fsync of a new file in a grown directory: name and data survive a power cut (fsck -p exit $rc, then clean)"
dm_remove $dm || fail "dmsetup remove $dm (busy after fsck?)"

dev=$(need_disk BOUNCEFS_DEV_NVME_PI)
sectors=$(blockdev --getsz "$dev")
healthy="0 $sectors linear $dev 0"
dropping="0 $sectors flakey $dev 0 0 3600 1 drop_writes"
mkfs.bouncefs -f -q "$dev" 4096 || fail "mkfs on $dev"
dmsetup create $dm --table "$healthy" || fail "dmsetup create on $dev"
queue=/sys/block/$(basename "$(readlink -f /dev/mapper/$dm)")/queue
[ "$(cat $queue/fua)" = 1 ] && [ "$(cat $queue/write_cache)" = "write back" ] ||
	fail "$dev under dm offers no FUA ($(cat $queue/fua)) or no write cache ($(cat $queue/write_cache)): the O_DSYNC check needs both"
mount -t bouncefs /dev/mapper/$dm $mnt || fail "mount on $dev"
xfs_io -f -c "pwrite -q -S 0x61 0 65536" -c "sync_range -b -w -a 0 65536" $mnt/dsync ||
	fail "buffered write and sync_file_range"
fio --name=dsync --filename=$mnt/dsync --rw=write --bs=64k --size=64k --direct=1 \
	--ioengine=libaio --iodepth=1 --sync=dsync --buffer_pattern=0x62 \
	--output=/tmp/fsync-fio.log || fail "fio: $(cat /tmp/fsync-fio.log)"
power_cut
head -c 65536 /dev/zero | tr '\0' b >/tmp/fsync-dsync
cmp $mnt/dsync /tmp/fsync-dsync ||
	fail "an async O_DSYNC O_DIRECT overwrite did not survive the power cut: the file has $(stat -c %s $mnt/dsync) bytes"
umount $mnt || fail "umount"
fsck_after_cut
echo "async O_DSYNC O_DIRECT overwrite of blocks whose extent was not on disk: survives a power cut"
