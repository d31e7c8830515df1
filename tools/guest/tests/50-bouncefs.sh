#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bouncefs end to end on the three disks: mkfs, mount, a real directory tree copied in and
# out with identical checksums, a file of 32 extents (more than the inode holds: the
# indirect extent block) and a directory of 100 entries (7 directory blocks) that read back
# the same after a remount, O_DIRECT round trips of several sizes, the per-mount counters
# proving every O_DIRECT bio bounced on the PI disks (bounced reads completed in a worker)
# and none on the plain disk unless bounce=always (run there without the tree, which is
# copied buffered), unmount, fsck clean.
# timeout: 1200
# cost: 240
. /build/vm/guest/lib.sh

use_bouncefs /tmp/bouncefs
grep -qw bouncefs /proc/filesystems || fail "bouncefs is not in /proc/filesystems"
command -v mkfs.bouncefs >/dev/null || fail "mkfs.bouncefs is not in PATH: run 'make tools'"
command -v xfs_io >/dev/null || fail "xfs_io is missing (xfsprogs)"

# A real directory tree: /usr/share/doc/[a-d]* of the build root (about 230 files in 34
# package directories, 3.7 MB; the top directory takes 3 directory blocks), which vm.sh
# packed into one archive on the host: reading the root file by file over 9p costs a round
# trip per file under TCG. The larger [a-g]* tree (1100 files) that the SCSI disk used to
# get took 4 minutes there and reached no other code: the indirect extent block and
# directories of many blocks are made on purpose below (many_extents, many_entries).
tree_sum() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
}

# counter NAME: a counter of the current mount.
counter() {
	bouncefs_counter "$1" "$dev"
}

# dio_round_trips: O_DIRECT writes then O_DIRECT reads of random data of several sizes.
dio_round_trips() {
	for size in 4096 65536 1048576 4194304; do
		f=$mnt/dio-$size
		head -c $size /dev/urandom >/tmp/ref-$size
		dd if=/tmp/ref-$size of="$f" bs=$size count=1 oflag=direct status=none ||
			fail "O_DIRECT write of $size bytes"
		dd if="$f" bs=$size count=1 iflag=direct status=none | cmp -s - /tmp/ref-$size ||
			fail "O_DIRECT read of $size bytes returned other data"
		[ "$(stat -c %s "$f")" = "$size" ] || fail "size of $f is $(stat -c %s "$f")"
	done
	# Misaligned direct I/O is refused with EINVAL, not silently buffered: a file offset and
	# a length that are not multiples of the logical block size, writes and reads, in one
	# xfs_io (it goes on after a failed command). A misaligned buffer address, which xfs_io
	# cannot make, is bouncefs-dio-check's "misaligned" scenario. That the refused writes
	# left the file alone shows when it is reread after the remount.
	misaligned=$(xfs_io -d -c "pwrite -q 100 4096" -c "pwrite -q 0 100" -c "pread -q 100 4096" \
		-c "pread -q 0 100" $mnt/dio-4096 2>&1) || true
	[ "$misaligned" = "pwrite: Invalid argument
pwrite: Invalid argument
pread: Invalid argument
pread: Invalid argument" ] ||
		fail "misaligned O_DIRECT (write at offset 100, write of 100 bytes, the same reads) did not get EINVAL each time: '$misaligned'"
	echo "O_DIRECT round trips of 4 KiB to 4 MiB verified; misaligned offsets and lengths get EINVAL (writes and reads)"
}

# many_extents: a 256 KiB file of which every other 4 KiB block is written with O_DIRECT, in
# one xfs_io reading its commands from stdin: 32 extents, more than the 9 an inode holds,
# so the list goes to the indirect extent block. The same commands on tmpfs make the
# reference.
many_extents() {
	i=0
	while [ $i -lt 32 ]; do
		echo "pwrite -q -S $((i + 1)) $((i * 8192)) 4096"
		i=$((i + 1))
	done >/tmp/extents.cmds
	xfs_io -f -d $mnt/extents </tmp/extents.cmds || fail "O_DIRECT writes of 32 extents"
	xfs_io -f /tmp/extents.ref </tmp/extents.cmds || fail "reference of the 32 extents"
	n=$(xfs_io -c "fiemap" $mnt/extents | grep -vc 'hole\|:$')
	[ "$n" -ge 32 ] || fail "the 32-extent file maps to $n extents"
	echo "a file of $n extents (indirect extent block) written"
}

# many_entries: a directory of 100 entries, 7 directory blocks of 15 entries.
many_entries() {
	mkdir $mnt/many || fail "mkdir many"
	(cd $mnt/many && seq -f 'entry-%03g' 100 | xargs touch) || fail "100 entries"
}

# check_many: both read back the same after the remount.
check_many() {
	cmp $mnt/extents /tmp/extents.ref || fail "the 32-extent file reads back different after the remount"
	[ "$(ls $mnt/many | wc -l)" = 100 ] || fail "the directory of 100 entries has $(ls $mnt/many | wc -l)"
	[ -e $mnt/many/entry-001 ] && [ -e $mnt/many/entry-100 ] || fail "entries of the large directory are missing"
}

# run VAR OPTIONS BOUNCED(yes|no) TREE: TREE "-" leaves the tree out, for a second run on
# a disk: bounce= changes only the direct-I/O path, and the tree is copied buffered.
run() {
	dev=$(need_disk "$1")
	tree=$4
	[ "$tree" = - ] || want=$(tree_sum $tree)
	t0=$(date +%s)
	mkfs.bouncefs -f -q "$dev" || fail "mkfs.bouncefs $dev"
	mount -t bouncefs -o "$2" "$dev" $mnt || fail "mount -t bouncefs -o $2 $dev"
	dmesg | grep "bouncefs: ${dev##*/}: integrity" | tail -n 1
	[ "$tree" = - ] || cp -a $tree/. $mnt/doc || fail "copy of $tree into bouncefs on $dev"
	many_extents
	many_entries
	dio_round_trips
	bw=$(counter bounced_write_bios); zc=$(counter zero_copy_bios)
	echo "counters after the writes: bounced_write_bios=$bw zero_copy_bios=$zc"
	if [ "$3" = yes ]; then
		[ "$bw" -gt 0 ] && [ "$zc" = 0 ] || fail "O_DIRECT writes on $dev ($2) were not all bounced"
	else
		[ "$bw" = 0 ] && [ "$zc" -gt 0 ] || fail "O_DIRECT writes on $dev ($2) bounced"
	fi
	umount $mnt || fail "umount $dev"
	fsck.bouncefs -n "$dev" || fail "fsck.bouncefs -n $dev after the copy"
	mount -t bouncefs -o "$2" "$dev" $mnt || fail "remount $dev"
	if [ "$tree" != - ]; then
		got=$(tree_sum $mnt/doc)
		[ "$got" = "$want" ] || fail "the tree read back from $dev differs from $tree"
		echo "$(find $mnt/doc -type f | wc -l) files of $tree read back identical from ${dev##*/} ($(($(date +%s) - t0)) s since mkfs)"
	fi
	check_many
	# Read the direct-I/O files back after the remount, with empty caches, traced.
	tr=/sys/kernel/tracing
	echo >$tr/trace
	echo 1 >$tr/events/bouncefs/enable
	for size in 4096 65536 1048576 4194304; do
		dd if=$mnt/dio-$size bs=$size count=1 iflag=direct status=none | cmp -s - /tmp/ref-$size ||
			fail "O_DIRECT reread of $size bytes after remount differs"
	done
	echo 0 >$tr/events/bouncefs/enable
	submits=$(grep -c 'bouncefs_dio_submit: .* read bounced' $tr/trace || true)
	zero=$(grep -c 'bouncefs_dio_submit: .* read zero-copy' $tr/trace || true)
	in_task=$(grep -c 'bouncefs_dio_read_complete: .* error 0 context task' $tr/trace || true)
	echo "trace: $submits bounced and $zero zero-copy read submissions, $in_task completions in task context"
	grep -m 2 'bouncefs_dio_' $tr/trace || true
	br=$(counter bounced_read_bios); bw=$(counter bounced_write_bios)
	zc=$(counter zero_copy_bios); ct=$(counter completions_in_task)
	echo "counters after remount: bounced_read_bios=$br bounced_write_bios=$bw zero_copy_bios=$zc completions_in_task=$ct"
	if [ "$3" = yes ]; then
		[ "$br" -gt 0 ] || fail "no bounced read bio on $dev ($2)"
		[ "$zc" = 0 ] || fail "$zc zero-copy bios on $dev ($2)"
		[ "$ct" = "$br" ] || fail "$br bounced reads but $ct completions in a worker"
		[ "$submits" = "$br" ] && [ "$in_task" = "$br" ] ||
			fail "trace shows $submits bounced reads and $in_task task completions, counters $br"
	else
		[ "$br" = 0 ] && [ "$bw" = 0 ] || fail "bios bounced on $dev ($2)"
		[ "$zc" -gt 0 ] || fail "no zero-copy bio on $dev ($2)"
		[ "$zero" = "$zc" ] && [ "$submits" = 0 ] || fail "trace shows $zero zero-copy and $submits bounced reads"
	fi
	umount $mnt || fail "umount $dev"
	fsck.bouncefs -n "$dev" || fail "fsck.bouncefs -n $dev at the end"
	echo "${dev##*/} ($2) done in $(($(date +%s) - t0)) s"
}

mkdir -p /tmp/doc
tar -C /tmp/doc -xf /build/vm/data/doc.tar || fail "unpack the tree vm.sh packed (/build/vm/data/doc.tar)"
run BOUNCEFS_DEV_SCSI_PI bounce=auto yes /tmp/doc
run BOUNCEFS_DEV_NVME_PI bounce=auto yes /tmp/doc
run BOUNCEFS_DEV_PLAIN bounce=auto no /tmp/doc
run BOUNCEFS_DEV_PLAIN bounce=always yes -
rmmod bouncefs || fail "rmmod after umount"
