#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel.sh [fetch|unpack|overlay|config|build|all|pristine]: the test kernel.
#
# fetch:    download Debian's linux-source-7.2 (download only; apt verifies the
#           signatures) from sid, with trixie-backports as the fallback suite
# unpack:   unpack a pristine tree into the cache (again when the package changed)
# overlay:  add the project's rust/ to the tree's rust/ (tools/scripts/overlay.sh)
# config:   virtme-ng's minimal VM config + tools/kconfig/*.config; every option
#           of the fragments must survive olddefconfig
# build:    make LLVM=1 (incremental)
# pristine: undo the overlay and unpack the tree afresh from the cached package
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root kernel

IN_ROOT=$SRC_DIR/tools/scripts/in-root.sh
DEBS=$ROOT$IN_BUILD/debs
PKG=linux-source-$KERNEL_SERIES
# The Debian version the project is tested with. Set KERNEL_DEB_VERSION= (empty)
# to take the newest the suites carry; the version used is recorded in the tree.
KERNEL_DEB_VERSION=${KERNEL_DEB_VERSION-7.2.13-1}
JOBS=${BOUNCEFS_JOBS:-$(nproc)}

current_deb() {
	local pattern="$DEBS/${PKG}_${KERNEL_DEB_VERSION:-*}_all.deb"
	# Versions with an epoch would contain '%3a' in the file name; 7.2 has none.
	# shellcheck disable=SC2086
	ls -1 $pattern 2>/dev/null | sort -V | tail -n 1
}

# download VERSION (empty: the newest of the suites)
download() {
	"$IN_ROOT" /bin/sh -ec "
		apt='apt-get -q -o Dir::Etc::SourceList=$IN_BUILD/apt/sources.list -o Dir::Etc::SourceParts=/dev/null
			-o Dir::State::Lists=$IN_BUILD/apt/lists -o Dir::Cache=$IN_BUILD/apt/cache
			-o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false'
		\$apt update
		cd $IN_BUILD/debs
		\$apt download $PKG${1:+=$1}
	" >>"$BOUNCEFS_CACHE/kernel-fetch.log" 2>&1
}

fetch() {
	if [ -n "$(current_deb)" ]; then
		info "kernel package cached: $(basename "$(current_deb)")"
		return
	fi
	# Signatures are verified as always; only the Release files' expiry is not,
	# because mirrors behind some networks serve sid a few weeks late.
	step "download $PKG=$KERNEL_DEB_VERSION (sid, fallback trixie-backports)" "1-2 min, 164 MB"
	mkdir -p "$DEBS" "$ROOT$IN_BUILD/apt/lists/partial" "$ROOT$IN_BUILD/apt/cache/archives/partial"
	cat >"$ROOT$IN_BUILD/apt/sources.list" <<SOURCES
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR sid main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie-backports main
SOURCES
	: >"$BOUNCEFS_CACHE/kernel-fetch.log"
	if ! download "$KERNEL_DEB_VERSION"; then
		# sid keeps only its newest upload: a pinned version can disappear.
		printf '\nWARNING [kernel]: %s=%s is no longer in sid or trixie-backports; using the newest %s instead.\n' \
			"$PKG" "$KERNEL_DEB_VERSION" "$PKG" >&2
		KERNEL_DEB_VERSION=
		download "" ||
			die kernel "could not download $PKG from sid or trixie-backports (log: $BOUNCEFS_CACHE/kernel-fetch.log). Check the network and the mirror ($MIRROR), or set KERNEL_DEB_VERSION to a version 'apt-cache policy $PKG' lists."
	fi
	[ -n "$(current_deb)" ] || die kernel "apt-get download reported success but no $PKG .deb is in $DEBS."
	info "downloaded $(basename "$(current_deb)")"
	step_done
}

unpack() {
	local deb want have
	deb=$(current_deb)
	[ -n "$deb" ] || die kernel "no $PKG package in the cache: run 'make kernel' (it downloads it)."
	want=$(basename "$deb")
	have=$(cat "$TREE/.bouncefs-source" 2>/dev/null || true)
	if [ "$want" = "$have" ]; then
		info "kernel tree unpacked from $want"
		return
	fi
	# The tree takes 1.8 GB unpacked and about 5.5 GB once built.
	need_space kernel 6
	step "unpack $want into $TREE" "1-2 min, 1.8 GB"
	rm -rf "$TREE" "$TREE.partial" "$ROOT$IN_BUILD/pkg"
	mkdir -p "$ROOT$IN_BUILD/pkg" "$TREE.partial"
	dpkg-deb -x "$deb" "$ROOT$IN_BUILD/pkg" 2>/dev/null ||
		"$IN_ROOT" dpkg-deb -x "$IN_BUILD/debs/$want" "$IN_BUILD/pkg"
	tar -xf "$ROOT$IN_BUILD/pkg/usr/src/$PKG.tar.xz" -C "$TREE.partial" --strip-components=1
	mv "$TREE.partial" "$TREE"
	echo "$want" >"$TREE/.bouncefs-source"
	step_done
}

overlay() {
	"$SRC_DIR/tools/scripts/overlay.sh"
}

# The configuration fragments: all of tools/kconfig/, or without the debugging options
# (KERNEL_DEBUG=0: no KASAN, lockdep, KFENCE, slab and list debugging) for runs that
# measure or take hours under TCG, such as a whole make xfstests. The cache keeps one
# kernel: switching rebuilds it.
case ${KERNEL_DEBUG:-1} in 0 | 1) ;; *) die kernel "KERNEL_DEBUG: '$KERNEL_DEBUG' is not 0 or 1." ;; esac
fragments=()
for fragment in "$SRC_DIR"/tools/kconfig/*.config; do
	[ "${KERNEL_DEBUG:-1}" = 0 ] && [ "${fragment##*/}" = 10-debug.config ] && continue
	fragments+=("$fragment")
done
in_fragments=("${fragments[@]/#"$SRC_DIR"/"$IN_SRC"}")

config() {
	local stamp want
	want=$(cat "${fragments[@]}" | sha256sum | cut -d' ' -f1)
	stamp=$TREE/.bouncefs-config
	if [ -f "$TREE/.config" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		info "kernel configuration up to date"
		return
	fi
	step "configure the kernel (vng --kconfig + ${fragments[*]#"$SRC_DIR/"}, LLVM=1)" "1 min"
	rm -f "$stamp"
	"$IN_ROOT" /bin/sh -ec "
		cd $IN_TREE
		export LLVM=1
		vng --kconfig
		scripts/kconfig/merge_config.sh -m .config ${in_fragments[*]}
		make LLVM=1 olddefconfig
	" >"$BOUNCEFS_CACHE/kernel-config.log" 2>&1 ||
		die kernel "configuration failed (log: $BOUNCEFS_CACHE/kernel-config.log)."
	grep -q '^CONFIG_RUST=y' "$TREE/.config" ||
		die kernel "CONFIG_RUST=y did not survive olddefconfig: the toolchain in the root is not usable for Rust (see 'make -C $TREE LLVM=1 rustavailable' inside 'make shell-root'). Rebuild the root with 'make distclean toolchain'."
	[ "${KERNEL_DEBUG:-1}" = 0 ] || grep -q '^CONFIG_KASAN=y' "$TREE/.config" ||
		die kernel "CONFIG_KASAN=y did not survive olddefconfig: KASAN with Rust needs a clang-built kernel (LLVM=1). Check tools/kconfig/10-debug.config and that clang >= 17 is in the root."
	# Every other option of the fragments must hold too, or the test kernel is
	# not the one the documentation promises.
	local missing=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qx -- "$line" "$TREE/.config" || missing+=("$line") ;;
		"# CONFIG_"*" is not set")
			# Switched off (30-trim.config): neither built in nor a module.
			option=${line#"# "}
			option=${option%" is not set"}
			! grep -qE "^$option=[ym]\$" "$TREE/.config" || missing+=("$option=n") ;;
		esac
	done < <(cat "${fragments[@]}")
	[ ${#missing[@]} -eq 0 ] ||
		die kernel "options of tools/kconfig/*.config that olddefconfig did not keep (a dependency is missing, or another option selects one that should be off): ${missing[*]}"
	echo "$want" >"$stamp"
	step_done
}

build() {
	step "build the kernel (make LLVM=1 -j$JOBS)" "20-27 min from scratch with KASAN on 2 cores, 1-2 min incremental"
	# pipefail (lib.sh): the pipeline fails when make does, whatever the filter finds.
	"$IN_ROOT" /bin/sh -ec "cd $IN_TREE && make LLVM=1 -j$JOBS" 2>&1 |
		tee "$BOUNCEFS_CACHE/kernel-build.log" |
		{ grep --line-buffered -E '^ *(AR|LD) +[a-z_]+/built-in|^ *LD +vmlinux|error:|warning:|Error [0-9]' >&2 || true; } ||
		die kernel "the kernel build failed (log: $BOUNCEFS_CACHE/kernel-build.log)."
	[ -f "$TREE/arch/x86/boot/bzImage" ] ||
		die kernel "the kernel build produced no bzImage (log: $BOUNCEFS_CACHE/kernel-build.log)."
	local version
	version=$("$IN_ROOT" make -s -C "$IN_TREE" LLVM=1 kernelrelease)
	printf '%s (from %s)\n' "$version" "$(cat "$TREE/.bouncefs-source")" >"$ROOT$IN_BUILD/kernel-version.txt"
	info "kernel: $(cat "$ROOT$IN_BUILD/kernel-version.txt")"
	step_done
}

pristine() {
	rm -f "$TREE/.bouncefs-source"
	unpack
}

case "${1:-all}" in
fetch | unpack | overlay | config | build | pristine) "$1" ;;
all) fetch && unpack && overlay && config && build ;;
*) die kernel "unknown step '$1' (fetch, unpack, overlay, config, build, all, pristine)" ;;
esac
