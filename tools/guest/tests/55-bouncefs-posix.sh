#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bouncefs namespace and metadata semantics on the plain disk, each checked again after a
# remount: hard links, renames (over a file, across directories, of a directory), unlink of
# an open file (space freed at last close), permissions, owners and nanosecond times,
# truncate, fsync/fdatasync/syncfs, mmap, holes (SEEK_HOLE/SEEK_DATA, fiemap), fallocate,
# symlinks, FIFOs, ENAMETOOLONG, ENOSPC without losing earlier data, mkfs -t and fsck -t.
# timeout: 600
. /build/vm/guest/lib.sh

use_bouncefs /tmp/bouncefs
dev=$(need_disk BOUNCEFS_DEV_PLAIN)

remount() {
	umount $mnt || fail "umount"
	mount -t bouncefs "$dev" $mnt || fail "remount"
}

# The util-linux front ends find the tools.
mkfs -t bouncefs -f -q "$dev" 16384 || fail "mkfs -t bouncefs"
fsck -t bouncefs -n "$dev" >/dev/null || fail "fsck -t bouncefs on a fresh file system"
mount -t bouncefs "$dev" $mnt || fail "mount"

# Hard links and renames.
echo one >$mnt/a
ln $mnt/a $mnt/b || fail "link"
[ "$(stat -c %h $mnt/a)" = 2 ] || fail "nlink after link is $(stat -c %h $mnt/a)"
mkdir -p $mnt/d1/sub $mnt/d2
echo two >$mnt/d1/x
echo three >$mnt/c
mv $mnt/c $mnt/a || fail "rename over an existing file"
mv $mnt/d1/x $mnt/d2/y || fail "rename across directories"
mv $mnt/d1/sub $mnt/d2/sub || fail "rename of a directory across directories"
remount
[ "$(cat $mnt/a)" = three ] && [ "$(cat $mnt/b)" = one ] || fail "contents after rename over a linked file"
[ "$(stat -c %h $mnt/b)" = 1 ] || fail "nlink of the surviving link is $(stat -c %h $mnt/b)"
[ "$(cat $mnt/d2/y)" = two ] && [ ! -e $mnt/d1/x ] || fail "rename across directories not persistent"
[ "$(stat -c %i $mnt/d2/sub/..)" = "$(stat -c %i $mnt/d2)" ] || fail ".. of a moved directory"
[ "$(stat -c %h $mnt/d1)" = 2 ] && [ "$(stat -c %h $mnt/d2)" = 3 ] || fail "directory link counts after the move"
if rmdir $mnt/d2 2>/dev/null; then fail "rmdir of a non-empty directory"; fi
echo "links and renames: OK"

# Unlink of an open file: the blocks come back at the last close.
free0=$(stat -f -c %f $mnt)
dd if=/dev/zero of=$mnt/big bs=1M count=8 status=none
exec 3<$mnt/big
rm $mnt/big
sync
free1=$(stat -f -c %f $mnt)
[ $((free0 - free1)) -ge 2048 ] || fail "blocks of an open unlinked file freed early ($free0 -> $free1)"
exec 3<&-
sync
free2=$(stat -f -c %f $mnt)
[ $((free2 - free1)) -ge 2048 ] || fail "blocks not freed at last close ($free1 -> $free2)"
echo "unlinked open file: 2048 blocks held until the last close"

# Attributes.
echo data >$mnt/attr
chown 1234:5678 $mnt/attr
chmod 4751 $mnt/attr
touch -m -d '2001-02-03 04:05:06.123456789' $mnt/attr
remount
[ "$(stat -c %a:%u:%g $mnt/attr)" = 4751:1234:5678 ] || fail "mode/owner $(stat -c %a:%u:%g $mnt/attr)"
[ "$(stat -c %y $mnt/attr)" = "2001-02-03 04:05:06.123456789 +0000" ] || fail "mtime $(stat -c %y $mnt/attr)"
echo "mode, owner and nanosecond times persist"

# Truncate, sync calls, holes, fallocate.
head -c 100000 /dev/urandom >$mnt/t
truncate -s 5000 $mnt/t
truncate -s 20000 $mnt/t
[ "$(tail -c 15000 $mnt/t | tr -d '\0' | wc -c)" = 0 ] || fail "extended part is not zero"
xfs_io -c fsync -c fdatasync -c syncfs $mnt/t || fail "fsync/fdatasync/syncfs"
xfs_io -f -c "pwrite -q 0 4k" -c "pwrite -q 1m 4k" $mnt/sparse || fail "sparse write"
remount
[ "$(xfs_io -c 'seek -h 0' $mnt/sparse | awk '/HOLE/ {print $2}')" = 4096 ] || fail "SEEK_HOLE"
[ "$(xfs_io -c 'seek -d 8192' $mnt/sparse | awk '/DATA/ {print $2}')" = 1048576 ] || fail "SEEK_DATA"
[ "$(xfs_io -c 'fiemap' $mnt/sparse | grep -vc hole)" = 3 ] || fail "fiemap: $(xfs_io -c fiemap $mnt/sparse)"
[ "$(stat -c %b $mnt/sparse)" = 16 ] || fail "a sparse file has $(stat -c %b $mnt/sparse) sectors"
xfs_io -f -c "falloc 0 1m" $mnt/pre || fail "fallocate"
[ "$(stat -c %s:%b $mnt/pre)" = 1048576:2048 ] || fail "after fallocate: $(stat -c %s:%b $mnt/pre)"
[ "$(tr -d '\0' <$mnt/pre | wc -c)" = 0 ] || fail "preallocated space does not read as zeroes"
# Preallocated blocks are unwritten (FIEMAP_EXTENT_UNWRITTEN, 0x800), as on XFS.
xfs_io -c "fiemap -v" $mnt/pre | grep -qE ' 0x[0-9a-f]*[89a-f][0-9a-f]{2}$' ||
	fail "preallocated extent not reported unwritten: $(xfs_io -c 'fiemap -v' $mnt/pre)"
# A buffered write into them: its data, and zeroes around it, after a remount.
xfs_io -c "pwrite -q -S 0x5a 8192 4096" -c fsync $mnt/pre || fail "write into preallocated space"
xfs_io -c "fpunch 0 4k" $mnt/pre 2>&1 | grep -q "Operation not supported" ||
	fail "hole punching did not fail with EOPNOTSUPP"
echo "truncate, fsync, holes, fiemap, fallocate: OK (punch: EOPNOTSUPP)"

# Direct writes to every other block of a 4 MiB preallocation would split it into 1024
# extents, more than a file may have (263): past that, bouncefs marks the preallocated
# extent written whole instead, which is safe because fallocate zeroed it. The space was
# first filled with 0xee and freed, so a missing zeroing would show.
xfs_io -f -c "pwrite -q -S 0xee 0 4m" -c fsync $mnt/stale && rm $mnt/stale && sync ||
	fail "filling the space to free"
xfs_io -f -c "falloc 0 4m" $mnt/scattered || fail "fallocate 4 MiB"
writes=
for i in $(seq 0 2 1023); do writes="$writes -c 'pwrite -q -S 0x77 $((i * 4096)) 4096'"; done
eval xfs_io -d "$writes" $mnt/scattered || fail "direct writes into every other preallocated block"
counters=/sys/kernel/debug/bouncefs-${dev##*/}/counters
whole=$(awk '$1 == "whole_extent_conversions" { print $2 }' $counters)
[ "${whole:-0}" -ge 1 ] || fail "the extent list did not overflow into a whole-extent conversion (counters: $(tr '\n' ' ' <$counters))"
eval xfs_io -f -c "'pwrite -q -S 0 0 4m'" "$writes" /tmp/scattered.expected >/dev/null ||
	fail "writing the expected contents"
remount
cmp $mnt/scattered /tmp/scattered.expected || fail "scattered direct writes into preallocated space read back wrong after remount"
rm -f /tmp/scattered.expected $mnt/scattered
echo "512 scattered direct writes into a preallocation: $whole whole-extent conversion(s), contents OK"

# mmap: writes through a shared mapping reach the file (page_mkwrite allocates the blocks).
xfs_io -f -c "truncate 65536" -c "mmap -w 0 65536" -c "mwrite -S 0x61 0 65536" -c "msync -s 0 65536" \
	$mnt/mapped >/dev/null || fail "mmap write"
remount
[ "$(tr -d a <$mnt/mapped | wc -c)" = 0 ] && [ "$(stat -c %s:%b $mnt/mapped)" = 65536:128 ] ||
	fail "mmap-written file after remount: $(stat -c %s:%b $mnt/mapped)"
{ head -c 8192 /dev/zero; head -c 4096 /dev/zero | tr '\0' '\132'; head -c 1036288 /dev/zero; } |
	cmp -s - $mnt/pre || fail "preallocated file with a 4 KiB write in it reads back wrong after remount"
echo "mmap writes persist; a write into preallocated space reads back with zeroes around it"

# Symlinks, FIFOs, names.
ln -s "$(head -c 3000 /dev/zero | tr '\0' x)" $mnt/long-link
ln -s a $mnt/short-link
mkfifo $mnt/fifo
remount
[ "$(readlink $mnt/long-link | wc -c)" = 3001 ] && [ "$(cat $mnt/short-link)" = three ] ||
	fail "symlinks after remount"
[ -p $mnt/fifo ] || fail "FIFO after remount"
n250=$(head -c 250 /dev/zero | tr '\0' n)
touch $mnt/$n250 || fail "a 250-byte name"
if touch $mnt/${n250}x 2>/tmp/err; then fail "a 251-byte name was accepted"; fi
grep -q "File name too long" /tmp/err || fail "251-byte name: $(cat /tmp/err)"
echo "symlinks, FIFOs, names up to 250 bytes; longer ones get ENAMETOOLONG"

# ENOSPC keeps what was written before.
head -c 1000000 /dev/urandom >/tmp/keep
cp /tmp/keep $mnt/keep
if dd if=/dev/zero of=$mnt/fill bs=1M status=none 2>/tmp/err; then fail "filling the file system succeeded"; fi
grep -q "No space left on device" /tmp/err || fail "full: $(cat /tmp/err)"
remount
cmp -s /tmp/keep $mnt/keep || fail "data written before ENOSPC changed"
rm $mnt/fill
echo "ENOSPC reported; earlier data intact"
umount $mnt || fail "umount"
fsck -t bouncefs -n "$dev" || fail "fsck after the namespace tests"
