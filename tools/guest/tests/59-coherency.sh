#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Coherency of direct I/O with the page cache, on bouncefs (both PI disks and the plain one)
# and XFS (both PI disks): buffered write then O_DIRECT read and the reverse (with the pages
# already cached), mmap stores then O_DIRECT read and the reverse, O_DIRECT from and into
# memory mapped from another file of the file system, truncate racing O_DIRECT
# writers and readers; then fsync, unmount, mount again and compare every file.
# timeout: 900
# cost: 145
. /build/vm/guest/lib.sh
. /build/vm/guest/dio-matrix.sh

use_bouncefs /tmp/coherency
scenarios="buffered-direct mmap-direct mmap-source truncate-race"
extra_rows="remount"

# After the scenarios: fsync everything, remount, and every file must read back the same.
remount_compares() {
	(cd $mnt && find . -type f -print0 | sort -z | xargs -0 sh -c 'for f; do xfs_io -c fsync "$f"; done' sh &&
		find . -type f -print0 | sort -z | xargs -0 sha256sum) >/tmp/sums || return 1
	umount $mnt || return 1
	if [ "$fstype" = bouncefs ]; then
		mount -t bouncefs "$dev" $mnt || return 1
	else
		mount -t xfs "$dev" $mnt || return 1
	fi
	if (cd $mnt && sha256sum --quiet -c /tmp/sums); then
		echo "remount: ok $(wc -l </tmp/sums) files identical after fsync and remount"
	else
		echo "remount: FAIL files differ after fsync and remount"
		return 1
	fi
}
hook=remount_compares
run_matrix
