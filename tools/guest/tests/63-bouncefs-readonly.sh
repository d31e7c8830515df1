#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Read-only bouncefs on the plain disk. mount -o ro: every kind of change (create, append,
# O_DIRECT write, mkdir, unlink, utimes) gets EROFS; buffered and O_DIRECT reads return
# what was written; the mount writes nothing to the disk (byte for byte). mount -o
# remount,ro: refused (EBUSY) while a file is open for writing; then the data written
# before, still in the page cache, reads back, and changes get EROFS; remount,rw: changes
# work again, and everything reads back after an unmount, fsck clean. Finally data written
# and at once remounted read-only, then unmounted, is on the disk and fsck is clean: the
# remount must write everything back and leave the file system marked clean.
# timeout: 300
# cost: 30
. /build/vm/guest/lib.sh

use_bouncefs /tmp/readonly
dev=$(need_disk BOUNCEFS_DEV_PLAIN)
blocks=4096

# mount_flag: sets $flag to ro or rw, the first option of $mnt's last mount in /proc/self/mounts.
mount_flag() {
	flag=
	while read -r _ on _ opts _; do
		[ "$on" != "$mnt" ] || flag=${opts%%,*}
	done </proc/self/mounts
}

# refused WHEN: every kind of change fails with EROFS and changes nothing.
refused() {
	: >/tmp/ro-err
	{ echo new >$mnt/new-file; } 2>>/tmp/ro-err || true
	{ echo more >>$mnt/buffered; } 2>>/tmp/ro-err || true
	xfs_io -d -c "pwrite -q 0 4096" $mnt/direct >>/tmp/ro-err 2>&1 || true
	mkdir $mnt/new-dir 2>>/tmp/ro-err || true
	rm -f $mnt/buffered 2>>/tmp/ro-err || true
	touch $mnt/direct 2>>/tmp/ro-err || true
	n=0
	while IFS= read -r line; do
		case $line in
		*"Read-only file system") n=$((n + 1)) ;;
		*) fail "$1: a change did not get EROFS: $line" ;;
		esac
	done </tmp/ro-err
	[ $n = 6 ] || fail "$1: $n of 6 changes (create, append, O_DIRECT write, mkdir, unlink, utimes) got EROFS, the others worked"
	[ ! -e $mnt/new-file ] && [ ! -e $mnt/new-dir ] || fail "$1: a refused create left a file or directory"
}

# same WHEN FILE...: each FILE reads back (buffered) as /tmp/ro-data.
same() {
	what=$1
	shift
	for f; do
		cmp -s /tmp/ro-data $mnt/$f || fail "$what: $f does not read back as written"
	done
}

head -c 1048576 /dev/urandom >/tmp/ro-data
mkfs.bouncefs -f -q "$dev" $blocks || fail "mkfs"
mount -t bouncefs "$dev" $mnt || fail "mount"
dd if=/tmp/ro-data of=$mnt/direct bs=1M oflag=direct status=none || fail "O_DIRECT write"
cp /tmp/ro-data $mnt/buffered || fail "buffered write"
mkdir $mnt/dir || fail "mkdir"
umount $mnt || fail "umount"
fsck.bouncefs -n "$dev" >/dev/null || fail "fsck before the read-only mount"
dd if="$dev" of=/tmp/ro-disk bs=1M count=$((blocks / 256)) status=none || fail "saving the disk"

# mount -o ro.
mount -t bouncefs -o ro "$dev" $mnt || fail "mount -o ro"
mount_flag
[ "$flag" = ro ] || fail "mount -o ro: /proc/self/mounts says $flag"
refused "mount -o ro"
same "mount -o ro" direct buffered
dd if=$mnt/direct bs=1M iflag=direct status=none | cmp -s - /tmp/ro-data ||
	fail "mount -o ro: O_DIRECT read of direct"
dd if=$mnt/buffered bs=1M iflag=direct status=none | cmp -s - /tmp/ro-data ||
	fail "mount -o ro: O_DIRECT read of buffered"
umount $mnt || fail "umount of the read-only mount"
cmp -n $((blocks * 4096)) /tmp/ro-disk "$dev" || fail "a read-only mount changed the disk"
echo "mount -o ro: 6 kinds of change got EROFS, buffered and O_DIRECT reads right, the disk unchanged"

# mount -o remount,ro and remount,rw, with data still in the page cache.
mount -t bouncefs "$dev" $mnt || fail "mount"
cp /tmp/ro-data $mnt/late-buffered || fail "buffered write"
dd if=/tmp/ro-data of=$mnt/late-direct bs=1M oflag=direct status=none || fail "O_DIRECT write"
exec 3>>$mnt/late-buffered
if mount -o remount,ro $mnt 2>/dev/null; then
	fail "remount,ro succeeded with a file open for writing"
fi
exec 3>&-
mount -o remount,ro $mnt || fail "remount,ro"
mount_flag
[ "$flag" = ro ] || fail "remount,ro: /proc/self/mounts says $flag"
refused "remount,ro"
same "remount,ro" direct buffered late-buffered late-direct
dd if=$mnt/late-direct bs=1M iflag=direct status=none | cmp -s - /tmp/ro-data ||
	fail "remount,ro: O_DIRECT read of late-direct"
mount -o remount,rw $mnt || fail "remount,rw"
mount_flag
[ "$flag" = rw ] || fail "remount,rw: /proc/self/mounts says $flag"
: >/tmp/ro-err
{ echo new >$mnt/new-file; } 2>>/tmp/ro-err || true
{ echo more >>$mnt/late-buffered; } 2>>/tmp/ro-err || true
xfs_io -d -c "pwrite -q -S 0x42 0 4096" $mnt/late-direct >>/tmp/ro-err 2>&1 || true
mkdir $mnt/new-dir 2>>/tmp/ro-err || true
rm -f $mnt/buffered 2>>/tmp/ro-err || true
touch $mnt/direct 2>>/tmp/ro-err || true
[ ! -s /tmp/ro-err ] || fail "remount,rw: changes failed: $(cat /tmp/ro-err)"
umount $mnt || fail "umount after remount,rw"
fsck.bouncefs -n "$dev" || fail "fsck after remount,ro and remount,rw"
mount -t bouncefs "$dev" $mnt || fail "mount after remount,ro and remount,rw"
same "after remount,rw and a remount" direct
{ cat /tmp/ro-data; echo more; } | cmp -s - $mnt/late-buffered ||
	fail "after remount,rw and a remount: late-buffered is not the data and the line appended"
{ head -c 4096 /dev/zero | tr '\0' '\102'; tail -c +4097 /tmp/ro-data; } | cmp -s - $mnt/late-direct ||
	fail "after remount,rw and a remount: late-direct is not the data with its first block overwritten"
[ "$(cat $mnt/new-file)" = new ] && [ -d $mnt/new-dir ] && [ ! -e $mnt/buffered ] ||
	fail "after remount,rw and a remount: the changes made after remount,rw are not all there"
umount $mnt || fail "umount"
echo "remount,ro: refused while a file is open for writing, then data intact and 6 kinds of change got EROFS; remount,rw: changes work, all intact after a remount, fsck clean"

# Written, then at once remounted read-only and unmounted: the remount has to write back
# the data, the inodes and the bitmap and mark the file system clean, since the unmount of
# a read-only file system writes nothing.
mount -t bouncefs "$dev" $mnt || fail "mount"
cp /tmp/ro-data $mnt/dirty || fail "buffered write"
mkdir $mnt/dirty-dir || fail "mkdir"
mount -o remount,ro $mnt || fail "remount,ro with dirty data"
umount $mnt || fail "umount after remount,ro"
fsck.bouncefs -n "$dev" || fail "fsck after writing, remount,ro and umount: the remount did not write everything back or left the file system marked dirty"
mount -t bouncefs -o ro "$dev" $mnt || fail "mount -o ro after remount,ro and umount"
same "after remount,ro and umount" dirty
[ -d $mnt/dirty-dir ] || fail "after remount,ro and umount: the directory is gone"
umount $mnt || fail "umount"
echo "written, remounted read-only and unmounted: on the disk and fsck clean"
