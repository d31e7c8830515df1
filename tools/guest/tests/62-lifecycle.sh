#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lifecycle of bouncefs: module load/unload cycles with a mount in each; mount/unmount
# cycles with every bounce= option, each adding a file with O_DIRECT and checking all
# earlier ones against the SHA-256 of the data that was written (not of what bouncefs read
# back), fsck clean after every unmount; the module is pinned while mounted, and a busy file
# system refuses to unmount.
# timeout: 600
# cost: 170
. /build/vm/guest/lib.sh

mnt=/tmp/lifecycle
mkdir -p $mnt
# Unmounts and unloads whatever is left; a failure there fails the test (lib.sh).
trap 'bouncefs_cleanup $?' EXIT
ko=$(module_path bouncefs)
dev=$(need_disk BOUNCEFS_DEV_SCSI_PI)

insmod "$ko" || fail "insmod bouncefs"
mkfs.bouncefs -f -q "$dev" || fail "mkfs"
rmmod bouncefs || fail "rmmod bouncefs"

# The reference: the SHA-256 of the data in /tmp that each O_DIRECT write took, so a write
# that stored something else cannot be verified against itself.
: >/tmp/lifecycle-sums
cycle=0
# verify WHEN: every file written so far holds the data it was written with.
verify() {
	# (sha256sum -c refuses an empty list: the first cycle has nothing to verify.)
	[ ! -s /tmp/lifecycle-sums ] || (cd $mnt && sha256sum --quiet -c /tmp/lifecycle-sums) ||
		fail "$1: files differ from the data written to them"
}
# one_mount OPTIONS: mount, verify every earlier file, add one with O_DIRECT, unmount, fsck.
one_mount() {
	cycle=$((cycle + 1))
	mount -t bouncefs -o "$1" "$dev" $mnt || fail "cycle $cycle: mount -o $1"
	verify "cycle $cycle"
	head -c 262144 /dev/urandom >/tmp/lifecycle-data
	dd if=/tmp/lifecycle-data of=$mnt/file-$cycle bs=256k oflag=direct status=none ||
		fail "cycle $cycle: O_DIRECT write"
	sum=$(sha256sum </tmp/lifecycle-data) || fail "cycle $cycle: sha256sum of the data"
	echo "${sum%% *}  file-$cycle" >>/tmp/lifecycle-sums
	umount $mnt || fail "cycle $cycle: umount"
	fsck.bouncefs -n "$dev" >/dev/null || fail "cycle $cycle: fsck after umount"
}

for round in 1 2 3; do
	insmod "$ko" || fail "insmod bouncefs (round $round)"
	one_mount bounce=auto
	mount -t bouncefs "$dev" $mnt || fail "mount (round $round)"
	if rmmod bouncefs 2>/dev/null; then
		fail "rmmod bouncefs succeeded while mounted"
	fi
	umount $mnt
	rmmod bouncefs || fail "rmmod bouncefs (round $round)"
done
echo "3 module load/unload cycles, each with a mount; rmmod refused while mounted"

insmod "$ko" || fail "insmod bouncefs"
for opt in bounce=auto bounce=always bounce=never bounce=auto bounce=always; do
	one_mount $opt
done
echo "$cycle mount/unmount cycles in all, each verifying the files of the ones before against the data written, fsck clean every time"

mount -t bouncefs "$dev" $mnt || fail "mount"
# The file of the last cycle had no later cycle to check it.
verify "after the last cycle"
exec 3<$mnt/file-1
if umount $mnt 2>/dev/null; then
	fail "umount succeeded with a file open"
fi
exec 3<&-
umount $mnt || fail "umount after closing"
echo "umount refused while a file is open"
