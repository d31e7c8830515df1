#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_bdev_report reads each disk through kernel::block::bdev; what it reports
# must match what sysfs says: logical block size, size, integrity profile, and
# stable pages required exactly on the PI disks; the CRC-32 of the first 4 KiB it
# reads with read_at must match what userspace reads. "stamp" writes the last
# 4 KiB with write_at; userspace must then read exactly that block.
# timeout: 120
# cost: 30
. /build/vm/guest/lib.sh

insmod "$(module_path rust_bdev_report)"
trap 'rmmod rust_bdev_report' EXIT
udevadm settle --timeout=10 2>/dev/null || true
[ -c /dev/bdev-report ] || fail "/dev/bdev-report did not appear"

check() { # VAR "required"|"not required"
	dev=$(need_disk "$1")
	sys=$(sysblock "$dev")
	lbs=$(cat "$sys/queue/logical_block_size")
	mib=$(($(cat "$sys/size") * 512 / 1048576))
	profile=$(cat "$sys/integrity/format")
	[ "$profile" = none ] || [ -n "$profile" ] || profile=none
	crc=$(dd if="$dev" bs=4096 count=1 iflag=direct 2>/dev/null | python3 -c \
		'import sys, zlib; print("%08x" % zlib.crc32(sys.stdin.buffer.read()))')
	expected="${dev##*/}: $lbs-byte logical blocks, $mib MiB, integrity $profile, stable pages $2, first 4 KiB crc32 $crc"
	# One open file: the report is read back through the descriptor that asked.
	got=$(
		exec 3<>/dev/bdev-report
		printf '%s\n' "$dev" >&3
		cat <&3
	)
	echo "$got"
	[ "$got" = "$expected" ] || fail "report for $dev: got '$got', expected '$expected'"
	dmesg | grep -qF "rust_bdev_report: $expected" || fail "no dmesg line for $dev"
}

# Give block 0 some content first, so that the checksum is not that of zeroes.
for var in BOUNCEFS_DEV_SCSI_PI BOUNCEFS_DEV_NVME_PI BOUNCEFS_DEV_PLAIN; do
	dev=$(need_disk $var)
	head -c 4096 /dev/urandom | dd of="$dev" bs=4096 count=1 oflag=direct 2>/dev/null ||
		fail "cannot write block 0 of $dev"
done
check BOUNCEFS_DEV_SCSI_PI required
check BOUNCEFS_DEV_NVME_PI required
check BOUNCEFS_DEV_PLAIN "not required"

# stamp VAR: write_at then read_at in the kernel; userspace must see the block.
stamp() {
	dev=$(need_disk "$1")
	blocks=$(($(cat "$(sysblock "$dev")/size") * 512 / 4096))
	pos=$(((blocks - 1) * 4096))
	got=$(
		exec 3<>/dev/bdev-report
		printf 'stamp %s\n' "$dev" >&3
		cat <&3
	)
	echo "$got"
	[ "$got" = "${dev##*/}: stamped the last 4 KiB at byte $pos, read back identical" ] ||
		fail "stamp of $dev: got '$got'"
	dd if="$dev" bs=4096 skip=$((blocks - 1)) count=1 iflag=direct 2>/dev/null | python3 -c '
import sys
want = bytearray((i * 7 + 3) & 0xff for i in range(4096))
header = b"rust_bdev_report stamp\n"
want[:len(header)] = header
sys.exit(0 if sys.stdin.buffer.read() == bytes(want) else 1)' ||
		fail "the last 4 KiB of $dev are not the stamp"
}
stamp BOUNCEFS_DEV_PLAIN
stamp BOUNCEFS_DEV_SCSI_PI

# Bad input gets an error, not a report.
if printf '/dev/does-not-exist\n' >/dev/bdev-report 2>/dev/null; then
	fail "a path that does not exist was accepted"
fi
if printf '/etc/hostname\n' >/dev/bdev-report 2>/dev/null; then
	fail "a regular file was accepted as a block device"
fi
echo "bad paths refused"
