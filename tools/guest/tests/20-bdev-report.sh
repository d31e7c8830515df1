#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_bdev_report reads each disk through kernel::block::bdev; what it reports
# must match what sysfs says: logical block size, size, integrity profile, and
# stable pages required exactly on the PI disks.
# timeout: 120
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
	expected="${dev##*/}: $lbs-byte logical blocks, $mib MiB, integrity $profile, stable pages $2"
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

check BOUNCEFS_DEV_SCSI_PI required
check BOUNCEFS_DEV_NVME_PI required
check BOUNCEFS_DEV_PLAIN "not required"

# Bad input gets an error, not a report.
if printf '/dev/does-not-exist\n' >/dev/bdev-report 2>/dev/null; then
	fail "a path that does not exist was accepted"
fi
if printf '/etc/hostname\n' >/dev/bdev-report 2>/dev/null; then
	fail "a regular file was accepted as a block device"
fi
echo "bad paths refused"
