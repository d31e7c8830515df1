#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bouncefs namespace and metadata semantics on the plain disk. Checked again after a
# remount: hard links, renames (over a file, across directories, of a directory), unlink of
# an open file (space freed at last close, and still free after the remount), permissions,
# owners and nanosecond atime, mtime and ctime, truncate down and up (size and contents),
# mmap, holes (SEEK_HOLE/SEEK_DATA, fiemap), fallocate, hole punching (partial blocks, past
# EOF, up to the extent limit), zeroing, collapsing and inserting ranges, symlinks, FIFOs,
# ENOSPC without losing earlier data. Checked once: fsync/fdatasync/syncfs succeed,
# ENAMETOOLONG, mkfs -t and fsck -t.
# timeout: 600
# cost: 170
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

# Attributes. atime and mtime are set to times with nanoseconds; ctime is whatever the
# chmod and touch left (the clock's nanoseconds) and must come back to the nanosecond.
# Nothing reads the file before the stat after the remount, so relatime cannot move atime.
echo data >$mnt/attr
chown 1234:5678 $mnt/attr
chmod 4751 $mnt/attr
touch -a -d '2002-03-04 05:06:07.987654321' $mnt/attr
touch -m -d '2001-02-03 04:05:06.123456789' $mnt/attr
ctime=$(stat -c %z $mnt/attr)
remount
attrs=$(stat -c '%a:%u:%g|%x|%y|%z' $mnt/attr)
[ "$attrs" = "4751:1234:5678|2002-03-04 05:06:07.987654321 +0000|2001-02-03 04:05:06.123456789 +0000|$ctime" ] ||
	fail "mode:uid:gid|atime|mtime|ctime after remount: $attrs (ctime before: $ctime)"
# The blocks of the unlinked file stayed free on disk: only the 1 block of attr is new.
[ "$(stat -f -c %f $mnt)" = $((free2 - 1)) ] ||
	fail "after the remount $(stat -f -c %f $mnt) blocks are free, not $((free2 - 1))"
echo "mode, owner and nanosecond atime, mtime and ctime persist; freed blocks stay free"

# Truncate, sync calls, holes, fallocate. Truncating down to 5000 then up to 20000 leaves
# the first 5000 bytes and zeroes: the size and the contents, before and after a remount.
head -c 100000 /dev/urandom >/tmp/t.orig
cp /tmp/t.orig $mnt/t
truncate -s 5000 $mnt/t
truncate -s 20000 $mnt/t
{ head -c 5000 /tmp/t.orig; head -c 15000 /dev/zero; } >/tmp/t.expected
cmp $mnt/t /tmp/t.expected || fail "after truncating to 5000 then to 20000 bytes: contents or size"
xfs_io -c fsync -c fdatasync -c syncfs $mnt/t || fail "fsync/fdatasync/syncfs"
xfs_io -f -c "pwrite -q 0 4k" -c "pwrite -q 1m 4k" $mnt/sparse || fail "sparse write"
remount
cmp $mnt/t /tmp/t.expected || fail "the truncated file after a remount: contents or size"
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
echo "truncate (also after a remount), fsync, holes, fiemap, fallocate: OK"

# Punching holes: partial blocks at both ends are zeroed in place, the 48 whole blocks
# between them are freed, the size stays; the same through the page cache, direct reads
# and after a remount. Cached (dirty) pages of the range must not survive the punch.
head -c 1048576 /dev/urandom >/tmp/punch.expected
cp /tmp/punch.expected $mnt/punch && sync
xfs_io -c "pwrite -q -S 0x33 100000 8192" $mnt/punch || fail "dirtying pages before the punch"
xfs_io -c "fpunch 5000 200000" $mnt/punch || fail "fpunch 5000 200000"
xfs_io -c "pwrite -q -S 0 5000 200000" /tmp/punch.expected >/dev/null
[ "$(stat -c %s:%b $mnt/punch)" = 1048576:$(((256 - 48) * 8)) ] ||
	fail "after punching 48 whole blocks: size:sectors $(stat -c %s:%b $mnt/punch)"
cmp $mnt/punch /tmp/punch.expected || fail "punched file reads back wrong from the page cache"
xfs_io -c "fiemap" $mnt/punch | grep -q "\[16\.\.399\]: hole" ||
	fail "fiemap shows no hole at sectors 16..399: $(xfs_io -c fiemap $mnt/punch)"
# Blocks past EOF (preallocated with KEEP_SIZE) are freed too; the size stays.
xfs_io -c "falloc -k 1m 64k" -c "fpunch 1040384 73728" $mnt/punch || fail "punch across EOF"
xfs_io -c "pwrite -q -S 0 1040384 8192" /tmp/punch.expected >/dev/null
[ "$(stat -c %s:%b $mnt/punch)" = 1048576:$(((256 - 50) * 8)) ] ||
	fail "after punching across EOF: size:sectors $(stat -c %s:%b $mnt/punch)"
remount
cmp $mnt/punch /tmp/punch.expected || fail "punched file reads back wrong after remount"
dd if=$mnt/punch iflag=direct bs=64k status=none | cmp - /tmp/punch.expected ||
	fail "punched file reads back wrong with direct I/O"
# A file may have at most 263 extents: punching every other block of a file splits an
# extent each time until the list is full; from then on a punch gets ENOSPC and changes
# nothing. One xfs_io makes the 300 punches (a process each took minutes under KASAN);
# the file must differ from the original only in punched blocks, each of them zero, as
# many as punches succeeded, and own that many blocks fewer (plus its indirect block).
head -c 4194304 /dev/urandom >/tmp/split.orig
cp /tmp/split.orig $mnt/split && sync
punches=
for i in $(seq 1 2 599); do punches="$punches -c 'fpunch $((i * 4096)) 4096'"; done
eval xfs_io "$punches" $mnt/split 2>/tmp/err || true
full=$(grep -c "No space left on device" /tmp/err || true)
[ "$(grep -vc "No space left on device" /tmp/err)" = 0 ] || fail "punches: $(sort /tmp/err | uniq -c)"
ok=$((300 - full))
[ "$full" -ge 1 ] && [ "$ok" -ge 200 ] ||
	fail "300 splitting punches: $ok succeeded, $full got ENOSPC (a file holds 263 extents)"
# The counters are per mount: the remount before these punches reset them.
punched=$(bouncefs_counter punched_blocks "$dev")
[ "$punched" = "$ok" ] || fail "punched_blocks counts $punched blocks since the remount, not $ok"
split_check() {
	found=$(cmp -l /tmp/split.orig $mnt/split | awk '
		{ b = int(($1 - 1) / 4096); if (b % 2 == 0 || b >= 600 || $3 != 0) bad++; seen[b] = 1 }
		END { n = 0; for (b in seen) n++; print bad + 0, n }')
	[ "$found" = "0 $ok" ] ||
		fail "$1: bytes changed outside punched blocks or not zero, and blocks changed: $found (expected 0 $ok)"
	[ "$(stat -c %b $mnt/split)" = $(((1024 - ok + 1) * 8)) ] ||
		fail "$1: the split file has $(stat -c %b $mnt/split) sectors, not $(((1024 - ok + 1) * 8))"
}
split_check "after the punches"
remount
split_check "after a remount"
rm -f /tmp/punch.expected /tmp/split.orig $mnt/split
echo "hole punching: partial blocks zeroed, whole blocks freed, size kept; $ok splits, then ENOSPC ($full times) with nothing lost"

# Zeroing, collapsing and inserting ranges, each applied to a copy by other means.
head -c 262144 /dev/urandom >/tmp/shift.expected
cp /tmp/shift.expected $mnt/shift && sync
xfs_io -c "fzero 10000 20000" $mnt/shift || fail "fzero 10000 20000"
xfs_io -c "pwrite -q -S 0 10000 20000" /tmp/shift.expected >/dev/null
cmp $mnt/shift /tmp/shift.expected || fail "after fzero: contents"
# Its whole blocks are unwritten now (FIEMAP_EXTENT_UNWRITTEN, 0x800), as on XFS.
xfs_io -c "fiemap -v" $mnt/shift | grep -qE ' 0x[0-9a-f]*[89a-f][0-9a-f]{2}$' ||
	fail "fzero left no unwritten extent: $(xfs_io -c 'fiemap -v' $mnt/shift)"
xfs_io -c "fcollapse 32768 16384" $mnt/shift || fail "fcollapse 32768 16384"
{ head -c 32768 /tmp/shift.expected; tail -c +49153 /tmp/shift.expected; } >/tmp/shift.next
mv /tmp/shift.next /tmp/shift.expected
xfs_io -c "finsert 8192 12288" $mnt/shift || fail "finsert 8192 12288"
{ head -c 8192 /tmp/shift.expected; head -c 12288 /dev/zero; tail -c +8193 /tmp/shift.expected; } >/tmp/shift.next
mv /tmp/shift.next /tmp/shift.expected
[ "$(stat -c %s $mnt/shift)" = 258048 ] || fail "size after collapse and insert: $(stat -c %s $mnt/shift)"
cmp $mnt/shift /tmp/shift.expected || fail "after fcollapse and finsert: contents"
for bad in "fcollapse 1000 4096" "fcollapse 4096 1000" "fcollapse 253952 4096" "finsert 258048 4096"; do
	if xfs_io -c "$bad" $mnt/shift 2>/tmp/err && ! [ -s /tmp/err ]; then fail "$bad was accepted"; fi
	grep -q "Invalid argument" /tmp/err || fail "$bad: $(cat /tmp/err)"
done
remount
cmp $mnt/shift /tmp/shift.expected || fail "after zeroing, collapsing and inserting: contents after remount"
rm -f /tmp/shift.expected $mnt/shift
echo "fzero, fcollapse, finsert: contents as modelled; unaligned or out-of-file ranges get EINVAL"

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
whole=$(bouncefs_counter whole_extent_conversions "$dev")
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
