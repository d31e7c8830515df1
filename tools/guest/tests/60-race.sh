#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The race IOMAP_DIO_BOUNCE exists for: O_DIRECT writes (and reads) while another thread keeps
# changing the buffer, on both PI disks. bouncefs with bounce=never must show the failure (so
# the test can see it): errors, every one of them EIO or EILSEQ (an error of any other errno,
# EINVAL or ENOSPC from a broken set-up, fails the test), and integrity messages in the
# kernel log. With bounce=auto, and on XFS on the same disk, there must be no error at all
# and no integrity message. The kernel log counts from the phase's marker to the next.
# timeout: 900
# cost: 185
. /build/vm/guest/lib.sh

use_bouncefs /tmp/race
command -v bouncefs-race >/dev/null || fail "bouncefs-race is not in PATH: run 'make tools'"
command -v mkfs.xfs >/dev/null || fail "mkfs.xfs is missing (xfsprogs)"

requests=${RACE_REQUESTS:-1000}
# 16 KiB requests: four pages and 32 protection intervals each, a multi-segment bio and a
# multi-page bounce buffer like the 64 KiB ones before, at a quarter of the checksum and
# copy work per request.
size=${RACE_SIZE:-16384}
slots=64

# race LABEL MODE: runs bouncefs-race and prints its line; sets $errors (EIO + EILSEQ) and
# $other (errors of any other errno).
race() {
	label=$1 mode=$2
	out=$(bouncefs-race "$mode" $mnt/race-$mode --size $size --requests "$requests" --mutators 1) ||
		fail "$label: bouncefs-race $mode did not run"
	echo "$label $mode: $out"
	# requests N errors E (EIO a, EILSEQ b, other c)
	case $out in
	"requests $requests errors "*" (EIO "*", EILSEQ "*", other "*")") ;;
	*) fail "$label: bouncefs-race $mode printed '$out', not 'requests $requests errors E (EIO a, EILSEQ b, other c)'" ;;
	esac
	# Word splitting is wanted here: the ten words of that line.
	# shellcheck disable=SC2086
	set -- $out
	[ $# = 10 ] || fail "$label: bouncefs-race $mode printed '$out'"
	errors=$((${6%,} + ${8%,})) other=${10%)}
	[ $((errors + other)) = "$4" ] || fail "$label: bouncefs-race $mode: the errors by errno do not add up: $out"
}

# phase LABEL: starts a phase; its integrity messages are those logged after this marker
# and before the next one.
phase() {
	echo "bouncefs-test: race $$ $name $1" >/dev/kmsg
}

# integrity_messages LABEL: how many integrity messages the kernel logged in phase LABEL of
# this disk (bounce=never floods the log; only the lines after the marker count).
integrity_messages() {
	dmesg | awk -v m="bouncefs-test: race $$ $name $1" '
		index($0, "bouncefs-test: race ") { on = index($0, m) && substr($0, index($0, m) + length(m)) == ""; next }
		on && tolower($0) ~ /protection error|guard tag|dif_verify|integrity|guard check failed/ { n++ }
		END { print n + 0 }'
}

for var in BOUNCEFS_DEV_SCSI_PI BOUNCEFS_DEV_NVME_PI; do
	dev=$(need_disk $var)
	name=${dev##*/}

	# bounce=never goes last: its failed writes can leave sectors whose data and protection
	# information disagree (QEMU's NVMe writes the two separately), and a later read of
	# them, such as udev probing the disk after mkfs.xfs, would be counted against XFS.
	mkfs.bouncefs -f -q "$dev" || fail "mkfs"
	# udev probes the disk when mkfs closes it (see mkfs.xfs below): that read must be over
	# before the window opens. It once landed in this phase (two "protection error ...
	# async page read" lines near the disk's end) when mkfs and mount got faster.
	udevadm settle --timeout=60 || fail "udevadm settle after mkfs.bouncefs"
	mount -t bouncefs -o bounce=auto "$dev" $mnt || fail "mount bounce=auto"
	phase auto
	race "$name bouncefs bounce=auto" write; auto_write=$errors auto_write_other=$other
	race "$name bouncefs bounce=auto" read; auto_read=$errors auto_read_other=$other
	phase end
	umount $mnt
	fsck.bouncefs -n "$dev" >/dev/null || fail "$name: fsck after the race"

	mkfs.xfs -f -q "$dev" || fail "mkfs.xfs"
	# udev probes the disk when mkfs closes it, and on the NVMe disk that read of sectors
	# near its end fails the guard check ("async page read", before any race: QEMU leaves
	# sectors that mkfs.xfs zeroed with protection information that does not match); it is
	# not XFS's direct I/O, so it must be over before the phase's window opens.
	udevadm settle --timeout=60 || fail "udevadm settle after mkfs.xfs"
	mount -t xfs "$dev" $mnt || fail "mount xfs"
	phase xfs
	race "$name xfs" write; xfs_write=$errors xfs_write_other=$other
	race "$name xfs" read; xfs_read=$errors xfs_read_other=$other
	phase end
	umount $mnt

	mkfs.bouncefs -f -q "$dev" || fail "mkfs"
	udevadm settle --timeout=60 || fail "udevadm settle after mkfs.bouncefs"
	mount -t bouncefs -o bounce=never "$dev" $mnt || fail "mount bounce=never"
	phase never
	race "$name bouncefs bounce=never" write; never_write=$errors never_write_other=$other
	race "$name bouncefs bounce=never" read; never_read=$errors never_read_other=$other
	phase end
	# Rewritten without a racing thread, the sectors the failed writes left hold valid
	# protection information again for the tests after this one.
	dd if=/dev/zero of=$mnt/race-write bs=$size count=$slots oflag=direct conv=notrunc status=none ||
		fail "$name: rewriting the race file after bounce=never"
	umount $mnt

	never_new=$(integrity_messages never)
	auto_new=$(integrity_messages auto)
	xfs_new=$(integrity_messages xfs)
	echo "$name: integrity messages in the kernel log: $never_new with bouncefs bounce=never, $auto_new with bounce=auto, $xfs_new with XFS"
	[ "$never_write_other" = 0 ] && [ "$never_read_other" = 0 ] ||
		fail "$name: bounce=never had $never_write_other write and $never_read_other read errors that are neither EIO nor EILSEQ: a set-up failure, not the race"
	[ "$never_write" -gt 0 ] && [ "$never_read" -gt 0 ] ||
		fail "$name: bounce=never showed $never_write write and $never_read read EIO/EILSEQ errors: without a failure there, the test proves nothing"
	[ "$never_new" -gt 0 ] ||
		fail "$name: bounce=never failed with no integrity message in the kernel log: the errors are not the integrity checks failing"
	[ $((auto_write + auto_write_other + auto_read + auto_read_other)) = 0 ] && [ "$auto_new" = 0 ] ||
		fail "$name: bouncefs bounce=auto had $((auto_write + auto_write_other)) write and $((auto_read + auto_read_other)) read errors, $auto_new integrity messages"
	[ $((xfs_write + xfs_write_other + xfs_read + xfs_read_other)) = 0 ] && [ "$xfs_new" = 0 ] ||
		fail "$name: XFS had $((xfs_write + xfs_write_other)) write and $((xfs_read + xfs_read_other)) read errors, $xfs_new integrity messages"
done
