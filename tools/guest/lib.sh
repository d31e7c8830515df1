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

# use_bouncefs MNT: loads bouncefs and makes the mount point; on exit, whatever happened,
# unmounts it and unloads the module.
use_bouncefs() {
	mnt=$1
	insmod "$(module_path bouncefs)"
	mkdir -p "$mnt"
	trap 'umount "$mnt" 2>/dev/null || true; rmmod bouncefs 2>/dev/null || true' EXIT
}
