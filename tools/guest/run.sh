#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run.sh check|demo|bench: what the VM runs (tools/scripts/vm.sh boots it).
set -u
here=$(dirname "$0")
. "$here/setup.sh"

case "${1:-}" in
check)
	# The suites that must have run: the kernel crate's own and the project's.
	kunit=rust_doctests_kernel,rust_kernel_str,rust_kvec,rust_allocator,rust_atomics
	kunit=$kunit,rust_bio_bounce,rust_iomap
	exec bouncefs-tests --log-dir /build/vm/logs --kunit-required "$kunit" \
		--only "${TESTS:-}" "$here/tests"
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
