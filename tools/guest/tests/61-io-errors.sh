#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# I/O errors injected below the file system (fail_make_request, the block layer's fault
# injection) on the three disks: O_DIRECT writes and reads, writes into holes, buffered
# reads and fsync get EIO; nothing written before is lost; a failed write into a hole never
# exposes the stale content of freed blocks; a mount on a failing disk is refused with a
# dmesg line; after the errors, unmount, fsck is clean and the data is intact.
# timeout: 600
. /build/vm/guest/lib.sh

use_bouncefs /tmp/io-errors
fi=/sys/kernel/debug/fail_make_request
[ -d $fi ] || fail "$fi is missing: the kernel needs CONFIG_FAIL_MAKE_REQUEST and CONFIG_FAULT_INJECTION_DEBUG_FS"
echo 100 >$fi/probability
echo 1 >$fi/interval
echo -1 >$fi/times
echo 0 >$fi/verbose
# Whatever happens, no disk is left failing for the tests after this one.
trap 'for d in /sys/block/*/make-it-fail; do echo 0 >$d; done; umount $mnt 2>/dev/null || true; rmmod bouncefs 2>/dev/null || true' EXIT

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
	expect_eio "O_DIRECT overwrite" dd if=/tmp/keep of=$mnt/victim bs=64k count=1 oflag=direct conv=notrunc status=none
	expect_eio "O_DIRECT write into a hole" dd if=/tmp/keep of=$mnt/sparse bs=1M count=1 oflag=direct conv=notrunc status=none
	expect_eio "O_DIRECT extending write" dd if=/tmp/keep of=$mnt/new bs=1M count=1 oflag=direct status=none
	expect_eio "O_DIRECT read" dd if=$mnt/keep of=/dev/null bs=64k iflag=direct status=none
	expect_eio "buffered read" cat $mnt/keep
	expect_eio "fsync of a buffered write" xfs_io -c "pwrite -q 0 64k" -c fsync $mnt/buffered
	failing "$dev" 0

	cmp -s /tmp/keep $mnt/keep || fail "$name: data written before the errors reads back different"
	if tr -d '\0' <$mnt/sparse | grep -q .; then
		fail "$name: the hole a failed O_DIRECT write went to reads back non-zero data (stale blocks exposed)"
	fi
	[ "$(stat -c %s $mnt/new)" = 0 ] || fail "$name: a failed extending write changed the size to $(stat -c %s $mnt/new)"
	umount $mnt || fail "$name: umount after the errors"
	fsck.bouncefs -n "$dev" || fail "$name: fsck after the I/O errors"
	mount -t bouncefs "$dev" $mnt || fail "$name: mount after the errors"
	cmp -s /tmp/keep $mnt/keep || fail "$name: data differs after remount"
	tr -d '\0' <$mnt/sparse | grep -q . && fail "$name: the hole reads back non-zero after remount"
	umount $mnt
	echo "$name: data intact, holes still zero, fsck clean after the errors"

	failing "$dev" 1
	before=$(dmesg | grep -c "bouncefs: $name:" || true)
	if mount -t bouncefs "$dev" $mnt 2>/dev/null; then
		failing "$dev" 0
		fail "$name: mount on a failing disk succeeded"
	fi
	failing "$dev" 0
	msg=$(dmesg | grep "bouncefs: $name:" | tail -n +$((before + 1)) | tail -n 1)
	[ -n "$msg" ] || fail "$name: a refused mount left no dmesg line"
	echo "$name: mount on a failing disk refused: $msg"
	fsck.bouncefs -n "$dev" >/dev/null || fail "$name: fsck after the refused mount"
done
