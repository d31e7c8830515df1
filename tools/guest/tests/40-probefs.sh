#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_probefs exercises kernel::fs::sb end to end: registration, mount options,
# fill_super and its per-device bounce decision, the root inode, statfs, kill_sb,
# and the module reference a mount holds.
# timeout: 180
# cost: 40
. /build/vm/guest/lib.sh

insmod "$(module_path rust_probefs)"
mnt=/tmp/probefs
mkdir -p $mnt
cleanup() {
	umount $mnt 2>/dev/null || true
	rmmod rust_probefs 2>/dev/null || true
}
trap cleanup EXIT
grep -qw probefs /proc/filesystems || fail "probefs is not in /proc/filesystems"

# mount_expect VAR OPTIONS EXPECTED-LINE-TAIL
mount_expect() {
	dev=$(need_disk "$1")
	mount -t probefs -o "$2" "$dev" $mnt || fail "mount -o $2 $dev"
	line="rust_probefs: ${dev##*/}: $3 ($2)"
	dmesg | grep -qF "$line" || fail "no dmesg line '$line'"
	echo "$line"
	[ "$(stat -f -c %t $mnt)" = 70726f62 ] ||
		fail "statfs type $(stat -f -c %t $mnt), expected 70726f62"
	blocks=$(($(cat "$(sysblock "$dev")/size") * 512 / 4096))
	[ "$(stat -f -c %b $mnt)" = "$blocks" ] || fail "statfs blocks $(stat -f -c %b $mnt), expected $blocks"
	[ "$(ls -A $mnt | wc -l)" = 0 ] || fail "root directory not empty"
	[ "$(stat -c %a:%F $mnt)" = "755:directory" ] || fail "root is $(stat -c %a:%F $mnt)"
	if rmmod rust_probefs 2>/dev/null; then fail "module unloaded while mounted"; fi
	umount $mnt || fail "umount $dev"
}

mount_expect BOUNCEFS_DEV_SCSI_PI bounce=auto "integrity T10-DIF-TYPE1-CRC, stable pages required, direct I/O bounced"
mount_expect BOUNCEFS_DEV_NVME_PI bounce=auto "integrity T10-DIF-TYPE1-CRC, stable pages required, direct I/O bounced"
mount_expect BOUNCEFS_DEV_PLAIN bounce=auto "integrity none, stable pages not required, direct I/O zero-copy"
mount_expect BOUNCEFS_DEV_PLAIN bounce=always "integrity none, stable pages not required, direct I/O bounced"
mount_expect BOUNCEFS_DEV_SCSI_PI bounce=never "integrity T10-DIF-TYPE1-CRC, stable pages required, direct I/O zero-copy"
dmesg | grep -q "rust_probefs: ${BOUNCEFS_DEV_SCSI_PI##*/}: bounce=never on a device that needs stable pages" ||
	fail "no warning for bounce=never on a PI disk"

# Bad options fail the mount and leave nothing mounted.
for opt in bounce=sometimes bounce nosuchoption=1; do
	if mount -t probefs -o "$opt" "$BOUNCEFS_DEV_PLAIN" $mnt 2>/dev/null; then
		fail "mount -o $opt succeeded"
	fi
	echo "mount -o $opt refused"
done
! mountpoint -q $mnt || fail "something is mounted after failed mounts"
rmmod rust_probefs || fail "rmmod after umount"
