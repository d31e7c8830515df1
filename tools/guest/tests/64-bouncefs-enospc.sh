#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ENOSPC on O_DIRECT writes, on a small (8 MiB) bouncefs on the plain disk, zero-copy
# (bounce=auto) and bounced (bounce=always). 256 KiB O_DIRECT writes of random data fill it
# until a write fails: with ENOSPC and nothing else, when fewer than a write's blocks are
# left. The file holds exactly the writes that succeeded (size and bytes, read with O_DIRECT
# after a remount), a file written before is intact; deleting the file frees all its space
# (blocks a failed write took past EOF included), a new write then works, fsck is clean.
# timeout: 300
# cost: 25
. /build/vm/guest/lib.sh

use_bouncefs /tmp/enospc
dev=$(need_disk BOUNCEFS_DEV_PLAIN)
blocks=2048

# More than the file system holds.
head -c 12582912 /dev/urandom >/tmp/enospc-src
head -c 65536 /dev/urandom >/tmp/enospc-keep

for opt in bounce=auto bounce=always; do
	mkfs.bouncefs -f -q "$dev" $blocks || fail "$opt: mkfs"
	mount -t bouncefs -o $opt "$dev" $mnt || fail "$opt: mount"
	dd if=/tmp/enospc-keep of=$mnt/keep bs=64k oflag=direct status=none || fail "$opt: writing keep"
	free0=$(stat -f -c %f $mnt)
	if dd if=/tmp/enospc-src of=$mnt/fill bs=256k oflag=direct status=none 2>/tmp/enospc-err; then
		fail "$opt: 12 MiB of O_DIRECT writes fit in a file system of $blocks blocks"
	fi
	# One message, dd's "error writing '...': No space left on device".
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		"dd: error writing "*": No space left on device") ;;
		*) fail "$opt: filling the file system with O_DIRECT writes: $line" ;;
		esac
	done </tmp/enospc-err
	[ $n = 1 ] || fail "$opt: filling the file system with O_DIRECT writes: $n messages, not one ENOSPC"
	size=$(stat -c %s $mnt/fill)
	free=$(stat -f -c %f $mnt)
	[ "$free" -lt 64 ] ||
		fail "$opt: ENOSPC with $free blocks free, enough for another 256 KiB write"
	[ "$size" -gt 0 ] || fail "$opt: no O_DIRECT write worked before ENOSPC"
	head -c "$size" /tmp/enospc-src >/tmp/enospc-expected
	umount $mnt || fail "$opt: umount"
	mount -t bouncefs -o $opt "$dev" $mnt || fail "$opt: remount"
	[ "$(stat -c %s $mnt/fill)" = "$size" ] ||
		fail "$opt: the size of the filled file was $size, after a remount $(stat -c %s $mnt/fill)"
	dd if=$mnt/fill bs=1M iflag=direct status=none | cmp - /tmp/enospc-expected ||
		fail "$opt: the file filled up to ENOSPC does not hold the $size bytes written before"
	cmp /tmp/enospc-keep $mnt/keep || fail "$opt: a file written before ENOSPC changed"
	rm $mnt/fill
	[ "$(stat -f -c %f $mnt)" = "$free0" ] ||
		fail "$opt: deleting the filled file left $(stat -f -c %f $mnt) blocks free, not $free0"
	dd if=/tmp/enospc-src of=$mnt/again bs=1M count=1 oflag=direct status=none ||
		fail "$opt: an O_DIRECT write after deleting the filled file"
	umount $mnt || fail "$opt: umount"
	fsck.bouncefs -n "$dev" || fail "$opt: fsck after ENOSPC"
	echo "$opt: O_DIRECT writes got ENOSPC after $((size / 1024)) KiB, $free blocks free; the data intact; deleting the file gave back all $free0 free blocks; fsck clean"
done
