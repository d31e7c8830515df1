#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The VM has the disks the suite relies on: two with protection information
# (T10-DIF-TYPE1-CRC) and a plain one.
# timeout: 60
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
