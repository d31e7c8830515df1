#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The race IOMAP_DIO_BOUNCE exists for: O_DIRECT writes (and reads) while another thread keeps
# changing the buffer, on both PI disks. bouncefs with bounce=never must show the failure
# (so the test can see it); with bounce=auto there must be no error at all; XFS on the same
# disk is run and reported next to it.
# timeout: 900
. /build/vm/guest/lib.sh

use_bouncefs /tmp/race
command -v bouncefs-race >/dev/null || fail "bouncefs-race is not in PATH: run 'make tools'"
command -v mkfs.xfs >/dev/null || fail "mkfs.xfs is missing (xfsprogs)"

requests=${RACE_REQUESTS:-1000}

# race LABEL MODE: runs bouncefs-race and prints its line; sets $errors.
race() {
	out=$(bouncefs-race "$2" $mnt/race-$2 --size 65536 --requests $requests --mutators 1) ||
		fail "$1: bouncefs-race $2 did not run"
	errors=$(echo "$out" | awk '{print $4}')
	echo "$1 $2: $out"
}

integrity_messages() {
	dmesg | grep -ciE 'protection error|guard tag|dif_verify|integrity|GUARD check failed' || true
}

for var in BOUNCEFS_DEV_SCSI_PI BOUNCEFS_DEV_NVME_PI; do
	dev=$(need_disk $var)
	name=${dev##*/}

	mkfs.bouncefs -f -q "$dev" || fail "mkfs"
	mount -t bouncefs -o bounce=never "$dev" $mnt || fail "mount bounce=never"
	before=$(integrity_messages)
	race "$name bouncefs bounce=never" write; never_write=$errors
	race "$name bouncefs bounce=never" read; never_read=$errors
	echo "$name bouncefs bounce=never: $(($(integrity_messages) - before)) new integrity messages in dmesg"
	umount $mnt

	mount -t bouncefs -o bounce=auto "$dev" $mnt || fail "mount bounce=auto"
	before=$(integrity_messages)
	race "$name bouncefs bounce=auto" write; auto_write=$errors
	race "$name bouncefs bounce=auto" read; auto_read=$errors
	new=$(($(integrity_messages) - before))
	umount $mnt
	fsck.bouncefs -n "$dev" >/dev/null || fail "$name: fsck after the race"

	mkfs.xfs -f -q "$dev" || fail "mkfs.xfs"
	mount -t xfs "$dev" $mnt || fail "mount xfs"
	race "$name xfs" write
	race "$name xfs" read
	umount $mnt

	[ "$auto_write" = 0 ] && [ "$auto_read" = 0 ] && [ "$new" = 0 ] ||
		fail "$name: bouncefs bounce=auto had $auto_write write and $auto_read read errors, $new integrity messages"
	[ "$never_write" -gt 0 ] && [ "$never_read" -gt 0 ] ||
		fail "$name: bounce=never showed $never_write write and $never_read read errors: without a failure there, the test proves nothing"
done
