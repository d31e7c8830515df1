#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# toolchain.sh: create or complete the Debian trixie build root in the cache.
#
# Kernel 7.2 with Rust and KASAN needs a clang-built kernel (LLVM=1, clang >= 17);
# the root carries clang/lld/llvm 19, rustc/rust-src 1.85, bindgen 0.71, QEMU 10,
# udev, virtme-ng and every program the guest runs, because the guest
# boots on this root. The host needs only debootstrap and root.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root toolchain

# Build: compilers and what the kernel build calls. Guest: what the VM runs.
# XFSTESTS: what a user-built xfstests checkout runs in the guest (make xfstests); its
# build dependencies are the user's business (Documentation/xfstests.rst).
BUILD_PACKAGES="clang lld llvm rustc rust-src rustfmt rust-clippy cargo bindgen
	libclang-dev libc6-dev make flex bison bc libelf-dev libssl-dev cpio kmod
	perl python3 python3-venv xz-utils zstd ca-certificates git rsync file"
# dmsetup (the dm-delay and dm-flakey tests) comes with xfsprogs: its libdevmapper1.02.1
# depends on it.
GUEST_PACKAGES="qemu-system-x86 udev util-linux e2fsprogs xfsprogs
	fio procps iproute2 psmisc kmod busybox nvme-cli sg3-utils strace
	diffutils findutils gawk linux-perf"
# Host side of make bench: the plot of fio's results.
REPORT_PACKAGES="gnuplot-nox"
# What xfstests' check and its tests call (make xfstests; xfstests itself is the user's).
XFSTESTS_PACKAGES="acl attr bc dbench psmisc quota uuid-runtime sqlite3 libaio1t64
	liburing2 libgdbm6t64 libgdbm-compat4t64 libcap2-bin"

# The root is complete when it was made from exactly this recipe.
recipe=$(echo "$TOOLCHAIN_REVISION $SUITE $VIRTME_NG_VERSION" $BUILD_PACKAGES $GUEST_PACKAGES $REPORT_PACKAGES $XFSTESTS_PACKAGES | sha256sum | cut -d' ' -f1)
stamp=$ROOT/.bouncefs-toolchain
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ]; then
	info "build root up to date ($ROOT)"
	exit 0
fi

if ! command -v debootstrap >/dev/null; then
	step "install debootstrap on the host" "20 s"
	apt-get update -q >/dev/null && apt-get install -y -q debootstrap >/dev/null ||
		die toolchain "debootstrap is missing and 'apt-get install debootstrap' failed; install it by hand."
	step_done
fi

if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
	need_space toolchain 10
	step "debootstrap Debian $SUITE into $ROOT" "20-60 s, 214 MB"
	rm -rf "$ROOT.partial"
	mkdir -p "$BOUNCEFS_CACHE"
	debootstrap --variant=minbase "$SUITE" "$ROOT.partial" "$MIRROR" >"$BOUNCEFS_CACHE/debootstrap.log" 2>&1 ||
		die toolchain "debootstrap failed (log: $BOUNCEFS_CACHE/debootstrap.log); check the network and the mirror ($MIRROR)."
	mv "$ROOT.partial" "$ROOT"
	step_done
fi

cat >"$ROOT/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
SOURCES
# Name resolution and the host's extra CAs (some networks intercept TLS),
# needed for pip inside the root.
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
mkdir -p "$ROOT/usr/local/share/ca-certificates"
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
	cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
fi
echo bouncefs-build >"$ROOT/etc/hostname"

step "install the build and guest packages into the root" "1-3 min"
# shellcheck disable=SC2086
"$SRC_DIR/tools/scripts/in-root.sh" /bin/sh -ec "
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends $(echo $BUILD_PACKAGES $GUEST_PACKAGES $REPORT_PACKAGES $XFSTESTS_PACKAGES)
	update-ca-certificates >/dev/null
" >"$BOUNCEFS_CACHE/apt.log" 2>&1 ||
	die toolchain "apt-get inside the root failed (log: $BOUNCEFS_CACHE/apt.log)."
step_done

step "install virtme-ng $VIRTME_NG_VERSION from PyPI into the root" "30 s"
"$SRC_DIR/tools/scripts/in-root.sh" /bin/sh -ec "
	[ -x /opt/virtme-ng/bin/pip ] || python3 -m venv /opt/virtme-ng
	/opt/virtme-ng/bin/pip install -q --cert /etc/ssl/certs/ca-certificates.crt virtme-ng==$VIRTME_NG_VERSION
" >"$BOUNCEFS_CACHE/pip.log" 2>&1 ||
	die toolchain "pip install virtme-ng==$VIRTME_NG_VERSION failed (log: $BOUNCEFS_CACHE/pip.log)."
step_done

mkdir -p "$ROOT$IN_BUILD"
"$SRC_DIR/tools/scripts/in-root.sh" /bin/sh -c '
	dpkg-query -W -f "\${Package} \${Version}\n" clang lld rustc bindgen qemu-system-x86 fio xfsprogs gnuplot-nox linux-perf
	echo "virtme-ng $(/opt/virtme-ng/bin/vng --version 2>&1 | tail -n1)"
' | tee "$ROOT$IN_BUILD/toolchain-versions.txt" | sed 's/^/    /' >&2
echo "$recipe" >"$stamp"
