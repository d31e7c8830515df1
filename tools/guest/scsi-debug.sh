# SPDX-License-Identifier: GPL-2.0
# Sourced by setup.sh and bench.sh, which load scsi_debug.

# scsi_debug's WRITE SAME copies the data but leaves the old protection tags, so
# sectors zeroed that way (blkdev_issue_zeroout, which mkfs.xfs uses to clear its
# log) fail the guard check on the next read. Without WRITE SAME the kernel zeroes
# with ordinary writes, which carry fresh protection information.
bouncefs_no_write_same() { # $1: /dev/sdX of scsi_debug
	for ws in /sys/block/"${1##*/}"/device/scsi_disk/*/max_write_same_blocks; do
		echo 0 >"$ws" || echo "setup: cannot turn off WRITE SAME on $1" >&2
	done
}
