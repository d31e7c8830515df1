# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for the bouncefs build scripts. Sourced, never run.
#
# Layout of the cache (BOUNCEFS_CACHE, default ~/.cache/bouncefs):
#   root/           Debian trixie build root (the toolchain); seen as / inside
#   root/build/     everything built: the kernel tree, module and tool outputs,
#                   VM disk images and logs (it lives inside the root so the
#                   guest, which boots on that root, sees the same paths)
#   root/src        mount point for this repository while a command runs
#   debs/           downloaded Debian packages (linux-source-7.2)

set -o errexit -o nounset -o pipefail

BOUNCEFS_CACHE=${BOUNCEFS_CACHE:-$HOME/.cache/bouncefs}
ROOT=$BOUNCEFS_CACHE/root
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Paths as seen inside the build root.
IN_SRC=/src
IN_BUILD=/build
IN_TREE=$IN_BUILD/linux
IN_MODULES=$IN_BUILD/modules
IN_TARGET=$IN_BUILD/target
TREE=$ROOT$IN_TREE

# Bump when the root's set-up changes in a way the package lists do not show; a
# change of either completes the root again (apt-get install is idempotent).
TOOLCHAIN_REVISION=5
SUITE=trixie
MIRROR=${BOUNCEFS_MIRROR:-http://deb.debian.org/debian}
VIRTME_NG_VERSION=1.42
KERNEL_SERIES=7.2

step_start=0
# step NAME "usual duration": announce a long step and start its clock.
step() {
	step_name=$1
	step_start=$(date +%s)
	printf '\n==> %s (usually %s)\n' "$1" "$2" >&2
}

step_done() {
	printf '==> %s: done in %ss\n' "$step_name" "$(($(date +%s) - step_start))" >&2
}

info() { printf '    %s\n' "$*" >&2; }

# die STEP MESSAGE...: stop with a message naming the step and the fix.
die() {
	local where=$1
	shift
	printf '\nERROR [%s]: %s\n' "$where" "$*" >&2
	exit 1
}

need_root() {
	[ "$(id -u)" = 0 ] || die "$1" "this step needs root (it uses debootstrap, chroot and mounts); run it as root."
}

# need_space STEP GIB: stop early, not half-way through a build, when the cache's
# file system has less than GIB GiB free.
need_space() {
	local dir=$BOUNCEFS_CACHE free
	while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
	free=$(df --output=avail -BG "$dir" | tail -n 1 | tr -dc 0-9)
	[ "${free:-0}" -ge "$2" ] ||
		die "$1" "only ${free:-0} GiB free in $dir; this step needs about $2 GiB (the whole cache takes about 9). Free space or set BOUNCEFS_CACHE to a larger disk."
}
