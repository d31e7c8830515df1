#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Truncate against an asynchronous O_DIRECT write in flight (issue 19, scenario 7): bouncefs
# on the plain disk behind dm-delay, which holds every write back for 3 s during the race.
# fio writes 4 KiB of 0x42 at offset 0 of an 8 KiB file of 0x41 with libaio; while the
# write is in flight (dm-delay's status counts it held), the file is truncated to 2 KiB.
# The truncate must wait for the write before it zeroes the tail of the EOF block through
# the page cache: zeroing first reads the old block, and that page, written back later,
# puts the old bytes over the direct write's. After a remount the file is 2 KiB of 0x42.
# timeout: 300
# cost: 60
. /build/vm/guest/lib.sh

dev=$(need_disk BOUNCEFS_DEV_PLAIN)
delayed=bouncefs-truncate-dio
use_bouncefs_on_dm /tmp/truncate-dio $delayed

mkfs.bouncefs -f -q "$dev" 4096 || fail "mkfs"
sectors=$(blockdev --getsz "$dev")
# delay_writes MS: reads at once, writes (and flushes) MS late from now on. Only the race
# itself runs with the delay: every synchronous metadata write would wait for it too.
delay_writes() {
	dmsetup suspend --nolockfs $delayed &&
		dmsetup load $delayed --table "0 $sectors delay $dev 0 0 $dev 0 $1" &&
		dmsetup resume $delayed
}
dmsetup create $delayed --table "0 $sectors delay $dev 0 0 $dev 0 0" || fail "dmsetup create (CONFIG_DM_DELAY)"
mount -t bouncefs /dev/mapper/$delayed $mnt || fail "mount over dm-delay"
head -c 8192 /dev/zero | tr '\0' A >$mnt/f
sync
delay_writes 3000 || fail "delaying writes by 3 s"
fio --name=late --filename=$mnt/f --rw=write --bs=4k --size=4k --offset=0 --direct=1 \
	--ioengine=libaio --iodepth=1 --buffer_pattern=0x42 --output=/tmp/truncate-dio-fio.log &
# Wait (up to 100 polls) for the write to be held by dm-delay: its status is
# "START LENGTH delay READS WRITES FLUSHES", the bios it holds back now.
polls=0
while :; do
	# shellcheck disable=SC2046 # the status is split into fields on purpose
	set -- $(dmsetup status $delayed)
	[ "${5:-0}" = 0 ] || break
	polls=$((polls + 1))
	[ $polls -le 100 ] || fail "fio's O_DIRECT write never reached dm-delay (status: $*)"
	sleep 0.1
done
truncate -s 2048 $mnt/f || fail "truncate during the direct write"
wait %1 || fail "fio: $(cat /tmp/truncate-dio-fio.log)"
delay_writes 0 || fail "ending the delay"
umount $mnt || fail "umount"
mount -t bouncefs /dev/mapper/$delayed $mnt || fail "remount"
head -c 2048 /dev/zero | tr '\0' B >/tmp/truncate-dio-expected
cmp $mnt/f /tmp/truncate-dio-expected ||
	fail "after truncating to 2 KiB during an O_DIRECT write of B, the file is not 2 KiB of B: $(od -A d -c $mnt/f | head -n 4)"
echo "truncate during an async O_DIRECT write: waited for it, the file is 2 KiB of the direct write's data"
