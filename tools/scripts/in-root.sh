#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# in-root.sh CMD [ARG...]: run CMD inside the build root (the toolchain).
#
# The mounts the root needs (/proc, /sys, /dev, /dev/pts, /dev/shm, /run and
# this repository at /src) are made in a private mount namespace: they exist
# only for the lifetime of CMD and vanish with it, also on failure, Ctrl-C or
# SIGKILL, so nothing is ever left mounted on the host.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "${1:-}" != --inside ]; then
	need_root in-root
	[ -x "$ROOT/usr/bin/apt-get" ] ||
		die toolchain "no build root at $ROOT: run 'make toolchain' first."
	exec unshare --mount --propagation private -- "$0" --inside "$@"
fi
shift

mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"
mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"
mount -t tmpfs -o mode=755 run "$ROOT/run"
mkdir -p "$ROOT$IN_SRC" "$ROOT$IN_BUILD"
mount --bind "$SRC_DIR" "$ROOT$IN_SRC"
# BOUNCEFS_BIND: lines HOST_DIR:DIR, each showing a host directory at DIR inside the root
# (make xfstests: a checkout outside the cache, since the guest boots on the root and sees
# only what is in it; and each VM's own directory at /build/vm when VMs run side by side).
while IFS= read -r bind; do
	[ -n "$bind" ] || continue
	bind_host=${bind%%:*}
	bind_in=${bind#*:}
	[ -d "$bind_host" ] || die in-root "BOUNCEFS_BIND: $bind_host is not a directory."
	mkdir -p "$ROOT$bind_in"
	mount --bind "$bind_host" "$ROOT$bind_in"
done <<<"${BOUNCEFS_BIND:-}"
# Some hosts have none of these; the root works without them.
mount -t tmpfs tmp "$ROOT/tmp" 2>/dev/null || true

exec chroot "$ROOT" /usr/bin/env -i \
	HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
	PATH=/opt/virtme-ng/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	BOUNCEFS_JOBS="${BOUNCEFS_JOBS:-}" \
	"$@"
