#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bouncefs end to end on the three disks: mkfs, mount, a real directory tree copied in and
# out with identical checksums, O_DIRECT round trips of several sizes, the per-mount
# counters proving every O_DIRECT bio bounced on the PI disks (bounced reads completed in a
# worker) and none on the plain disk unless bounce=always, unmount, fsck clean.
# timeout: 1800
. /build/vm/guest/lib.sh

use_bouncefs /tmp/bouncefs
grep -qw bouncefs /proc/filesystems || fail "bouncefs is not in /proc/filesystems"
command -v mkfs.bouncefs >/dev/null || fail "mkfs.bouncefs is not in PATH: run 'make tools'"
command -v xfs_io >/dev/null || fail "xfs_io is missing (xfsprogs)"

# Real directory trees, copied once from the root (9p, slow under TCG) into the guest's
# /tmp (an overlay on tmpfs): /usr/share/doc/[a-g]* (about 1100 files, 14 MB) on the first
# disk, [a-d]* (about 230 files) on the others. The whole of /usr/share/doc (2600 files,
# 69 MB, growing with every package in the build root) took the test past 15 minutes under
# KASAN.
tree_sum() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
}

# counter NAME: a counter of the current mount.
counter() {
	awk -v n="$1" '$1 == n { print $2 }' "/sys/kernel/debug/bouncefs-${dev##*/}/counters"
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
	# Misaligned direct I/O is refused, not silently buffered.
	if xfs_io -d -c "pwrite -q 100 4096" $mnt/dio-4096 2>/dev/null; then
		fail "misaligned O_DIRECT write succeeded"
	fi
	echo "O_DIRECT round trips of 4 KiB to 4 MiB verified; a misaligned write gets EINVAL"
}

# run VAR OPTIONS BOUNCED(yes|no) TREE
run() {
	dev=$(need_disk "$1")
	tree=$4
	want=$(tree_sum $tree)
	t0=$(date +%s)
	mkfs.bouncefs -f -q "$dev" || fail "mkfs.bouncefs $dev"
	mount -t bouncefs -o "$2" "$dev" $mnt || fail "mount -t bouncefs -o $2 $dev"
	dmesg | grep "bouncefs: ${dev##*/}: integrity" | tail -n 1
	cp -a $tree/. $mnt/doc || fail "copy of $tree into bouncefs on $dev"
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
	got=$(tree_sum $mnt/doc)
	[ "$got" = "$want" ] || fail "the tree read back from $dev differs from $tree"
	echo "$(find $mnt/doc -type f | wc -l) files of $tree read back identical from ${dev##*/} ($(($(date +%s) - t0)) s since mkfs)"
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

mkdir -p /tmp/doc-large /tmp/doc-part
cp -a /usr/share/doc/[a-g]* /tmp/doc-large/
cp -a /usr/share/doc/[a-d]* /tmp/doc-part/
run BOUNCEFS_DEV_SCSI_PI bounce=auto yes /tmp/doc-large
run BOUNCEFS_DEV_NVME_PI bounce=auto yes /tmp/doc-part
run BOUNCEFS_DEV_PLAIN bounce=auto no /tmp/doc-part
run BOUNCEFS_DEV_PLAIN bounce=always yes /tmp/doc-part
rmmod bouncefs || fail "rmmod after umount"
