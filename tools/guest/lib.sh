# SPDX-License-Identifier: GPL-2.0
# Sourced by the in-guest tests.
set -eu
# The runner sends SIGTERM to a test that runs out of time. Exiting runs the test's EXIT
# trap, which unmounts and unloads what the test used, so the tests after it start clean.
trap 'exit 143' TERM INT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# need_disk VAR: the disk a test needs, or a loud failure naming what is missing.
need_disk() {
	eval "dev=\${$1:-}"
	[ -n "$dev" ] && [ -b "$dev" ] || fail "$1 is not set or not a block device: the VM lacks that disk (see setup.sh)"
	echo "$dev"
}

# module_path NAME: the project's module NAME.ko, wherever Kbuild put it.
module_path() {
	p=$(find "$BOUNCEFS_MODULES" -name "$1.ko" | head -n 1)
	[ -n "$p" ] || fail "$1.ko not found under $BOUNCEFS_MODULES: run 'make modules'"
	echo "$p"
}

# sysblock DEV: /sys/block entry of /dev/DEV.
sysblock() {
	echo "/sys/block/${1##*/}"
}

# is_mounted DIR: whether something is mounted on DIR (read with the shell: no process).
is_mounted() {
	while read -r _ on _; do
		[ "$on" != "$1" ] || return 0
	done </proc/self/mounts
	return 1
}

# bouncefs_counter NAME DEV: the per-mount counter NAME of the bouncefs mounted from DEV,
# read with the shell: a process (awk) costs about a second in the TCG guest.
bouncefs_counter() {
	while read -r name value; do
		[ "$name" != "$1" ] || {
			echo "$value"
			return 0
		}
	done <"/sys/kernel/debug/bouncefs-${2##*/}/counters"
	fail "no counter $1 for ${2##*/}"
}

# bouncefs_cleanup STATUS: the EXIT trap of the tests that use $mnt and bouncefs, called
# with the $? the trap starts with (before any other command of the trap). It closes the
# test's descriptors 3-9, unmounts $mnt while something is mounted there (a stacked mount
# comes off one at a time) and unloads bouncefs if it is loaded. A umount or rmmod that
# fails fails the test with a FAIL: line, as a leaked super block or module reference would
# otherwise be blamed on the next test. Quiet when there is nothing to undo; a test that
# failed keeps its own exit status.
bouncefs_cleanup() {
	status=$1
	set +e
	exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
	tries=0
	while [ -n "${mnt:-}" ] && is_mounted "$mnt"; do
		tries=$((tries + 1))
		if [ $tries -gt 3 ] || ! umount "$mnt"; then
			echo "FAIL: cleanup: could not unmount $mnt: the test left it mounted and busy" >&2
			[ "$status" != 0 ] || status=1
			break
		fi
	done
	if [ -d /sys/module/bouncefs ] && ! rmmod bouncefs; then
		echo "FAIL: cleanup: rmmod bouncefs failed: the test left a mount or a reference behind" >&2
		[ "$status" != 0 ] || status=1
	fi
	exit "$status"
}

# use_bouncefs_on_dm MNT NAME: use_bouncefs MNT for a test that puts the device-mapper
# device NAME under it: on exit, background jobs are reaped, MNT is unmounted and NAME
# removed before bouncefs_cleanup; a umount or removal that fails fails the test.
use_bouncefs_on_dm() {
	use_bouncefs "$1"
	dm_name=$2
	trap 'dm_cleanup $?' EXIT
}

# dm_remove NAME: removes the device-mapper device NAME. udev probes a device after each
# change (blkid opens it), so a removal right after an unmount or fsck can find it busy:
# wait for udev, and let dmsetup retry while it is (--retry).
dm_remove() {
	udevadm settle --timeout=30 2>/dev/null || true
	dmsetup remove --retry "$1"
}

dm_cleanup() {
	status=$1
	set +e
	# A job still running (fio waiting for its write) means the test failed part way.
	kill %1 2>/dev/null
	wait
	if is_mounted "$mnt" && ! umount "$mnt"; then
		echo "FAIL: cleanup: could not unmount $mnt" >&2
		[ "$status" != 0 ] || status=1
	fi
	if [ -e "/dev/mapper/$dm_name" ] && ! dm_remove "$dm_name"; then
		echo "FAIL: cleanup: dmsetup remove $dm_name failed" >&2
		[ "$status" != 0 ] || status=1
	fi
	bouncefs_cleanup "$status"
}

# use_bouncefs MNT: loads bouncefs and makes the mount point; on exit, whatever happened,
# unmounts it and unloads the module, and fails the test if either fails (bouncefs_cleanup).
use_bouncefs() {
	mnt=$1
	insmod "$(module_path bouncefs)"
	mkdir -p "$mnt"
	trap 'bouncefs_cleanup $?' EXIT
}
