#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh STEP: the project's own builds, inside the build root.
#   modules      samples/ as out-of-tree modules (Kbuild, MO=$IN_MODULES)
#   tools        the tools/ Cargo workspace (offline: std only, no crates.io)
#   host-check   cargo test for the tools
#   rustdoc      make rustdoc in the kernel tree
#   clippy       the kernel crate and the modules with CLIPPY=1
#   fmt          rustfmt rust/, samples/ (kernel settings) and tools/ (fmt-check: only check)
#   clean        module and tool outputs, VM images and logs
#   kernel-clean make clean in the kernel tree (keeps .config)
#   distclean    the whole cache
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IN_ROOT=$SRC_DIR/tools/scripts/in-root.sh
JOBS=${BOUNCEFS_JOBS:-$(nproc)}
CARGO="cargo --offline --color never"
KMAKE="make -C $IN_TREE LLVM=1 -j$JOBS"

need_tree() {
	[ -f "$TREE/arch/x86/boot/bzImage" ] || die "$1" "no built kernel in $TREE: run 'make kernel'."
}

case "${1:-}" in
modules)
	need_root modules
	need_tree modules
	# pipefail (lib.sh): the pipeline fails when make does, whatever the filter finds.
	"$IN_ROOT" $KMAKE M=$IN_SRC MO=$IN_MODULES modules 2>&1 | tee "$BOUNCEFS_CACHE/modules.log" |
		{ grep -v '^make\[' >&2 || true; } ||
		die modules "building samples/ failed (log: $BOUNCEFS_CACHE/modules.log)."
	;;
tools)
	need_root tools
	"$IN_ROOT" $CARGO build --release --manifest-path $IN_SRC/tools/Cargo.toml --target-dir $IN_TARGET ||
		die tools "cargo build of tools/ failed."
	# Cargo cannot name a binary with a dot; mkfs(8) and fsck(8) look for these names.
	for tool in mkfs fsck; do
		ln -sf $tool-bouncefs "$ROOT$IN_TARGET/release/$tool.bouncefs"
	done
	;;
host-check)
	need_root host-check
	"$IN_ROOT" $CARGO test --manifest-path $IN_SRC/tools/Cargo.toml --target-dir $IN_TARGET
	;;
rustdoc)
	need_root rustdoc
	need_tree rustdoc
	"$IN_ROOT" $KMAKE rustdoc || die rustdoc "make rustdoc failed."
	info "documentation: $TREE/Documentation/output/rust/rustdoc/kernel/index.html"
	;;
clippy)
	# The whole tree (not just vmlinux), so that Module.symvers matches the kernel crate the
	# modules are then checked against. The next plain build recompiles the Rust objects.
	need_root clippy
	need_tree clippy
	set +o errexit
	"$IN_ROOT" $KMAKE CLIPPY=1 >"$BOUNCEFS_CACHE/clippy.log" 2>&1
	tree_status=$?
	"$IN_ROOT" $KMAKE CLIPPY=1 M=$IN_SRC MO=$IN_MODULES modules >>"$BOUNCEFS_CACHE/clippy.log" 2>&1
	modules_status=$?
	set -o errexit
	grep -E -A8 '^(warning|error)' "$BOUNCEFS_CACHE/clippy.log" >&2 || true
	if [ $tree_status != 0 ] || [ $modules_status != 0 ] || grep -qE '^(warning|error)' "$BOUNCEFS_CACHE/clippy.log"; then
		die clippy "clippy or the build under CLIPPY=1 failed (log: $BOUNCEFS_CACHE/clippy.log)."
	fi
	info "clippy: no findings in the kernel crate or the modules"
	;;
fmt | fmt-check)
	# The kernel's own rustfmt settings for rust/ and samples/, cargo fmt for tools/.
	need_root "$1"
	check=$([ "$1" = fmt-check ] && echo --check || true)
	"$IN_ROOT" sh -c "cd $IN_SRC && find rust samples -name '*.rs' -print0 |
		xargs -0 rustfmt $check --edition 2021 --config-path $IN_TREE/.rustfmt.toml &&
		cd tools && cargo fmt --all -- $check" ||
		die "$1" "formatting differs from rustfmt's (run 'make fmt')."
	;;
clean)
	rm -rf "$ROOT$IN_MODULES" "$ROOT$IN_TARGET" "$ROOT$IN_BUILD/vm"
	info "removed $ROOT$IN_MODULES, $ROOT$IN_TARGET and $ROOT$IN_BUILD/vm"
	;;
kernel-clean)
	need_root kernel-clean
	[ -f "$TREE/Makefile" ] || exit 0
	"$IN_ROOT" make -C $IN_TREE LLVM=1 clean
	;;
distclean)
	if findmnt -rn -o TARGET | grep -q "^$BOUNCEFS_CACHE"; then
		die distclean "file systems are still mounted under $BOUNCEFS_CACHE (a build root command running elsewhere?): $(findmnt -rn -o TARGET | grep "^$BOUNCEFS_CACHE" | tr '\n' ' ') -- stop it or run 'umount -R' on them, then try again."
	fi
	rm -rf "$BOUNCEFS_CACHE"
	info "removed $BOUNCEFS_CACHE"
	;;
*) die build "unknown step '${1:-}'" ;;
esac
