#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run.sh check|demo: what the VM runs (tools/scripts/vm.sh boots it).
set -u
here=$(dirname "$0")
. "$here/setup.sh"

case "${1:-}" in
check)
	# shellcheck disable=SC2086
	exec bouncefs-tests --log-dir /build/vm/logs --kunit-required rust_doctests_kernel \
		--only "${TESTS:-}" "$here/tests"
	;;
demo)
	exec sh "$here/demo.sh"
	;;
*)
	echo "usage: run.sh check|demo" >&2
	exit 2
	;;
esac
