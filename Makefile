# SPDX-License-Identifier: GPL-2.0
#
# bouncefs: the single entry point. Every target does only what is missing.
#
#   make check      host tests, then the in-guest suite on the KASAN test kernel
#   make demo       a short transcript of what the project does, in the VM
#   make bench      fio: bouncefs against XFS, and what bouncing costs (30-40 min)
#
# Everything built lives in $(BOUNCEFS_CACHE) (default ~/.cache/bouncefs), never
# in the repository; README.md explains the layout and the cost of each step.

export BOUNCEFS_CACHE ?= $(HOME)/.cache/bouncefs
# An empty value takes the newest linux-source-7.2 the Debian suites carry.
export KERNEL_DEB_VERSION ?= 7.2.13-1
export BOUNCEFS_JOBS ?= $(shell nproc)
# TESTS: a space-separated list of in-guest tests (default: all), e.g.
#   make check TESTS="kunit bdev-report"
export TESTS
# make xfstests XFSTESTS_DIR=/path/to/built/xfstests-dev [TESTS="generic/091 ..."] [FSTYPES="bouncefs xfs"]
export XFSTESTS_DIR FSTYPES

S := tools/scripts

.PHONY: all toolchain kernel kernel-config kernel-pristine overlay modules tools \
	check host-check compile-fail vm-check demo bench shell xfstests rustdoc clippy fmt fmt-check clean kernel-clean distclean help

all: modules tools

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:[^#]*## /\t/' | expand -t 18

toolchain: ## the Debian trixie build root with clang/LLVM, Rust, QEMU, virtme-ng
	@$(S)/toolchain.sh

kernel: toolchain ## download, unpack, overlay rust/, configure and build the test kernel
	@$(S)/kernel.sh all

kernel-config: toolchain
	@$(S)/kernel.sh fetch && $(S)/kernel.sh unpack && $(S)/kernel.sh config

overlay: ## copy the project's rust/ into the kernel tree (done by 'kernel' too)
	@$(S)/overlay.sh

kernel-pristine: toolchain ## restore the pristine kernel tree from the cached package
	@$(S)/kernel.sh pristine

modules: kernel ## build samples/ as out-of-tree modules
	@$(S)/build.sh modules

tools: toolchain ## build the userspace tools (the tools/ Cargo workspace)
	@$(S)/build.sh tools

host-check: toolchain ## cargo test for the tools
	@$(S)/build.sh host-check

compile-fail: kernel ## misuses of the kernel crate's safe API that must not build (tools/compile-fail)
	@$(S)/compile-fail.sh

vm-check: modules tools ## the in-guest suite only
	@$(S)/vm.sh check

check: modules tools ## host tests, then the in-guest suite; ends with 'N passed, N failed'
	@$(S)/check.sh

xfstests: modules tools ## xfstests' direct-I/O tests in the VM, bouncefs and XFS (XFSTESTS_DIR=...)
	@$(S)/xfstests.sh

demo: modules tools ## what the project does, in a short transcript
	@$(S)/vm.sh demo

bench: modules tools ## fio in the VM: bouncefs vs XFS, bounce vs zero-copy; writes Documentation/benchmark-results.md
	@$(S)/bench.sh

shell: modules tools ## the same VM, interactive
	@$(S)/vm.sh shell

rustdoc: kernel ## the kernel crate's documentation, with the project's additions
	@$(S)/build.sh rustdoc

clippy: kernel ## the kernel crate and the modules under CLIPPY=1
	@$(S)/build.sh clippy

fmt: kernel-config ## rustfmt the project's Rust (the kernel's settings for rust/ and samples/)
	@$(S)/build.sh fmt

fmt-check: kernel-config ## fail if 'make fmt' would change anything
	@$(S)/build.sh fmt-check

clean: ## remove module and tool outputs, VM images and logs (keeps root and kernel)
	@$(S)/build.sh clean

kernel-clean: ## 'make clean' in the kernel tree (keeps its .config)
	@$(S)/build.sh kernel-clean

distclean: ## remove the whole cache: build root, kernel package and tree
	@$(S)/build.sh distclean
