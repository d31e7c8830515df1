#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# I/O errors injected below the file system (fail_make_request, the block layer's fault
# injection) on the three disks: O_DIRECT writes and reads, writes into holes, buffered
# reads and fsync get EIO; nothing written before is lost, and a file a failed O_DIRECT
# overwrite (of other bytes) went to still holds its old content; a failed write into a
# hole never exposes the stale content of freed blocks; a mount on a failing disk is
# refused with the metadata I/O error on block 0 in dmesg; after the errors, unmount, fsck
# is clean and the data is intact.
# timeout: 600
# cost: 120
. /build/vm/guest/lib.sh

use_bouncefs /tmp/io-errors
fi=/sys/kernel/debug/fail_make_request
[ -d $fi ] || fail "$fi is missing: the kernel needs CONFIG_FAIL_MAKE_REQUEST and CONFIG_FAULT_INJECTION_DEBUG_FS"
echo 100 >$fi/probability
echo 1 >$fi/interval
echo -1 >$fi/times
echo 0 >$fi/verbose
# Whatever happens, no disk is left failing for the tests after this one; then unmount and
# unload, and a failure there fails the test (lib.sh).
io_errors_cleanup() {
	st=$1
	for d in /sys/block/*/make-it-fail; do
		if ! echo 0 >"$d"; then
			echo "FAIL: cleanup: could not write 0 to $d: the disk may be left failing" >&2
			[ "$st" != 0 ] || st=1
		fi
	done
	bouncefs_cleanup "$st"
}
trap 'io_errors_cleanup $?' EXIT

# failing DEV 1|0: every bio to DEV fails (or not).
failing() {
	echo "$2" >"$(sysblock "$1")/make-it-fail"
}

# expect_eio WHAT COMMAND...: the command must report EIO (xfs_io may exit 0 after a
# failed command, so the message decides).
expect_eio() {
	what=$1
	shift
	out=$("$@" 2>&1) || true
	echo "$out" | grep -q "Input/output error" || {
		failing "$dev" 0
		fail "$name: $what on a failing disk did not get EIO: ${out:-it succeeded}"
	}
	echo "$name: $what -> EIO"
}

for var in BOUNCEFS_DEV_SCSI_PI BOUNCEFS_DEV_NVME_PI BOUNCEFS_DEV_PLAIN; do
	dev=$(need_disk $var)
	name=${dev##*/}
	mkfs.bouncefs -f -q "$dev" || fail "$name: mkfs"
	mount -t bouncefs "$dev" $mnt || fail "$name: mount"
	# Blocks that held recognisable data, then were freed: a write into a hole that fails
	# must not make them readable again.
	head -c 4194304 /dev/zero | tr '\0' '\253' >/tmp/stale
	dd if=/tmp/stale of=$mnt/stale bs=1M oflag=direct status=none || fail "$name: write stale"
	rm $mnt/stale
	head -c 1048576 /dev/urandom >/tmp/keep
	dd if=/tmp/keep of=$mnt/keep bs=1M oflag=direct status=none || fail "$name: write keep"
	cp /tmp/keep $mnt/victim
	truncate -s 4M $mnt/sparse
	touch $mnt/new $mnt/buffered
	sync
	# The files' clean pages leave the page cache (POSIX_FADV_DONTNEED), so the buffered
	# read below reaches the disk; only these files' pages, not every page as drop_caches
	# would (which also crashed the guest's programs when its root was on virtiofs:
	# Documentation/testing.rst, "Known issues").
	for f in keep victim; do
		xfs_io -c "fadvise -d 0 $(stat -c %s $mnt/$f)" $mnt/$f || fail "$name: fadvise DONTNEED on $f"
	done

	failing "$dev" 1
	# Other bytes than the victim holds (0x5c), so a write that reached the disk would show.
	expect_eio "O_DIRECT overwrite" xfs_io -d -c "pwrite -q -S 0x5c 0 65536" $mnt/victim
	expect_eio "O_DIRECT write into a hole" dd if=/tmp/keep of=$mnt/sparse bs=1M count=1 oflag=direct conv=notrunc status=none
	expect_eio "O_DIRECT extending write" dd if=/tmp/keep of=$mnt/new bs=1M count=1 oflag=direct status=none
	expect_eio "O_DIRECT read" dd if=$mnt/keep of=/dev/null bs=64k iflag=direct status=none
	expect_eio "buffered read" cat $mnt/keep
	expect_eio "fsync of a buffered write" xfs_io -c "pwrite -q 0 64k" -c fsync $mnt/buffered
	failing "$dev" 0

	cmp -s /tmp/keep $mnt/keep || fail "$name: data written before the errors reads back different"
	# Nothing of the failed overwrite reached the disk (every bio failed at submission): the
	# victim must read back whole and unchanged, from the disk (its pages were dropped before)
	# and with O_DIRECT.
	cmp /tmp/keep $mnt/victim ||
		fail "$name: the file a failed O_DIRECT overwrite went to does not hold its old content"
	dd if=$mnt/victim bs=1M iflag=direct status=none | cmp - /tmp/keep ||
		fail "$name: O_DIRECT read of the file a failed O_DIRECT overwrite went to: not its old content"
	if tr -d '\0' <$mnt/sparse | grep -q .; then
		fail "$name: the hole a failed O_DIRECT write went to reads back non-zero data (stale blocks exposed)"
	fi
	[ "$(stat -c %s $mnt/new)" = 0 ] || fail "$name: a failed extending write changed the size to $(stat -c %s $mnt/new)"
	umount $mnt || fail "$name: umount after the errors"
	fsck.bouncefs -n "$dev" || fail "$name: fsck after the I/O errors"
	mount -t bouncefs "$dev" $mnt || fail "$name: mount after the errors"
	cmp -s /tmp/keep $mnt/keep || fail "$name: data differs after remount"
	cmp -s /tmp/keep $mnt/victim || fail "$name: the victim of the failed overwrite differs after remount"
	tr -d '\0' <$mnt/sparse | grep -q . && fail "$name: the hole reads back non-zero after remount"
	umount $mnt
	echo "$name: data intact, the failed overwrite left the old content, holes still zero, fsck clean after the errors"

	# The refused mount must say why: the superblock (block 0) could not be read. Only
	# what the kernel logged after the marker counts.
	marker="bouncefs-test: io-errors $$ $name refused mount"
	want="bouncefs: $name: metadata I/O error reading block 0: EIO"
	failing "$dev" 1
	echo "$marker" >/dev/kmsg
	if mount -t bouncefs "$dev" $mnt 2>/dev/null; then
		failing "$dev" 0
		fail "$name: mount on a failing disk succeeded"
	fi
	failing "$dev" 0
	found=$(dmesg | awk -v m="$marker" -v w="$want" '
		index($0, m) { after = 1; n = 0; next }
		after && index($0, w) { n++ }
		END { print n + 0 }')
	[ "$found" -ge 1 ] || fail "$name: the refused mount did not log '$want'"
	echo "$name: mount on a failing disk refused: $want"
	fsck.bouncefs -n "$dev" >/dev/null || fail "$name: fsck after the refused mount"
done
