#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run.sh check|demo|bench: what the VM runs (tools/scripts/vm.sh boots it).
# check: VM_NAME (set when several VMs share the suite: tests are claimed in /build/claims)
# and VM_KUNIT (0: this VM's kernel did not run KUnit, another VM reports it).
set -u
here=$(dirname "$0")
. "$here/setup.sh"

case "${1:-}" in
check)
	# The suites that must have run: the kernel crate's own and the project's.
	kunit=rust_doctests_kernel,rust_kernel_str,rust_kvec,rust_allocator,rust_atomics
	kunit=$kunit,rust_bio_bounce,rust_iomap,rust_fs_sb
	set -- --log-dir /build/vm/logs --report /build/vm/logs/report.txt --kunit-required "$kunit"
	[ -z "${VM_NAME:-}" ] || set -- "$@" --vm "$VM_NAME" --claim-dir /build/claims
	[ "${VM_KUNIT:-1}" = 1 ] || set -- "$@" --no-kunit
	exec bouncefs-tests "$@" --only "${TESTS:-}" "$here/tests"
	;;
demo)
	exec sh "$here/demo.sh"
	;;
bench)
	exec sh "$here/bench.sh"
	;;
*)
	echo "usage: run.sh check|demo|bench" >&2
	exit 2
	;;
esac
