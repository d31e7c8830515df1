# SPDX-License-Identifier: GPL-2.0
# setup.sh: sourced inside the guest. Mounts debugfs/tracefs, loads scsi_debug
# with protection information, and exports where the disks and the project's
# programs are:
#   BOUNCEFS_DEV_SCSI_PI  scsi_debug dif=1 dix=1 (T10-DIF-TYPE1-CRC, 512-byte PI interval)
#   BOUNCEFS_DEV_NVME_PI  QEMU NVMe namespace, ms=8 pi=1 (T10-DIF-TYPE1-CRC)
#   BOUNCEFS_DEV_PLAIN    virtio-blk disk without integrity
#   BOUNCEFS_MODULES      the project's modules (*.ko)
# A missing disk leaves its variable empty; the tests that need it fail.

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true

if ! [ -d /sys/bus/pseudo/drivers/scsi_debug ]; then
	modprobe scsi_debug dif=1 dix=1 dev_size_mb=512 ||
		echo "setup: modprobe scsi_debug failed: no scsi_debug PI disk" >&2
fi
udevadm settle --timeout=30 2>/dev/null || sleep 2

bouncefs_find_disk() { # $1: test on /sys/block/NAME, echo /dev/NAME of the first match
	for d in /sys/block/*; do
		if (cd "$d" && eval "$1") 2>/dev/null; then
			echo "/dev/${d##*/}"
			return
		fi
	done
}

BOUNCEFS_DEV_SCSI_PI=$(bouncefs_find_disk 'grep -q scsi_debug device/model')
BOUNCEFS_DEV_NVME_PI=$(bouncefs_find_disk 'grep -q bouncefs-nvme-pi device/serial')
BOUNCEFS_DEV_PLAIN=$(bouncefs_find_disk 'grep -q bouncefs-plain serial')
BOUNCEFS_MODULES=/build/modules
. /build/vm/guest/scsi-debug.sh
[ -z "$BOUNCEFS_DEV_SCSI_PI" ] || bouncefs_no_write_same "$BOUNCEFS_DEV_SCSI_PI"
export BOUNCEFS_DEV_SCSI_PI BOUNCEFS_DEV_NVME_PI BOUNCEFS_DEV_PLAIN BOUNCEFS_MODULES
export PATH=/build/target/release:$PATH
echo "setup: scsi_debug PI disk ${BOUNCEFS_DEV_SCSI_PI:-MISSING}, NVMe PI disk ${BOUNCEFS_DEV_NVME_PI:-MISSING}, plain disk ${BOUNCEFS_DEV_PLAIN:-MISSING}" >&2
