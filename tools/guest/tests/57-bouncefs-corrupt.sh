#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Corrupted bouncefs images (made by bouncefs-corrupt) are refused or reported, never
# followed: the mount fails, or the damaged object returns an error, and in both cases dmesg
# has a line naming what is wrong. Any splat fails the test (the runner checks dmesg).
# timeout: 600
. /build/vm/guest/lib.sh

use_bouncefs /tmp/bouncefs
dev=$(need_disk BOUNCEFS_DEV_PLAIN)
command -v bouncefs-corrupt >/dev/null || fail "bouncefs-corrupt is not in PATH: run 'make tools'"

# try CORRUPTION MOUNT(fails|works) DMESG-PATTERN
try() {
	mkfs.bouncefs -f -q "$dev" 16384 || fail "mkfs"
	bouncefs-corrupt "$dev" tree >/dev/null || fail "bouncefs-corrupt tree"
	bouncefs-corrupt "$dev" "$1" >/dev/null || fail "bouncefs-corrupt $1"
	echo >/dev/kmsg "bouncefs-test: corruption $1"
	if mount -t bouncefs "$dev" $mnt 2>/dev/null; then
		[ "$2" = works ] || fail "$1: the mount succeeded"
		# Walk and read everything; the damaged object must fail, the rest must not crash.
		errors=$( (find $mnt -exec stat {} + >/dev/null; find $mnt -type f -exec cat {} + >/dev/null) 2>&1 |
			grep -c "Structure needs cleaning" || true)
		umount $mnt || fail "$1: umount"
		[ "$errors" -gt 0 ] || fail "$1: no access failed with EUCLEAN"
	else
		[ "$2" = fails ] || fail "$1: the mount failed"
		errors=mount
	fi
	line=$(dmesg | sed -n "/bouncefs-test: corruption $1\$/,\$p" | grep "bouncefs: ${dev##*/}: .*$3" | head -n 1)
	[ -n "$line" ] || fail "$1: no dmesg line matching '$3'"
	echo "$1: refused ($errors) with: ${line#*] }"
}

try superblock fails "superblock: checksum mismatch"
try superblock-geometry fails "superblock: "
try bitmap-crc fails "bitmap block 0: checksum mismatch"
try inode-crc works "inode [0-9]*: checksum mismatch"
try inode-field works "inode [0-9]*: "
try extent-range works "inode [0-9]*: "
try extent-order works "inode [0-9]*: "
try indirect-crc works "inode [0-9]*: indirect extent block"
try dir-crc works "directory 1 block 0: checksum mismatch"
try dirent-name works "directory [0-9]* entry"
try dirent-free works "inode [0-9]*: referenced but not in use"
try bitmap-unmarked works "inode [0-9]*: blocks .* are free in the bitmap"
