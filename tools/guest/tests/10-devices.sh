#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The VM has the disks the suite relies on: two with protection information
# (T10-DIF-TYPE1-CRC) and a plain one; the scsi_debug disk zeroes without WRITE SAME.
# timeout: 60
# cost: 5
. /build/vm/guest/lib.sh

for var in BOUNCEFS_DEV_SCSI_PI BOUNCEFS_DEV_NVME_PI; do
	dev=$(need_disk $var)
	format=$(cat "$(sysblock "$dev")/integrity/format")
	echo "$var=$dev integrity $format"
	[ "$format" = T10-DIF-TYPE1-CRC ] || fail "$dev: integrity format '$format', expected T10-DIF-TYPE1-CRC"
done
dev=$(need_disk BOUNCEFS_DEV_PLAIN)
format=$(cat "$(sysblock "$dev")/integrity/format")
echo "BOUNCEFS_DEV_PLAIN=$dev integrity $format"
[ "$format" = none ] || fail "$dev: integrity format '$format', expected none"
# setup.sh turned WRITE SAME off on the scsi_debug disk (it keeps stale protection tags);
# zeroing must then fall back to ordinary writes.
dev=$(need_disk BOUNCEFS_DEV_SCSI_PI)
wz=$(cat "$(sysblock "$dev")/queue/write_zeroes_max_bytes")
echo "BOUNCEFS_DEV_SCSI_PI write_zeroes_max_bytes $wz"
[ "$wz" = 0 ] || fail "$dev: write zeroes still offloaded ($wz bytes): WRITE SAME is on"
