#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The project's modules load and unload repeatedly without leaking or
# splatting (the runner checks dmesg after the test).
# timeout: 120
. /build/vm/guest/lib.sh

for module in rust_bdev_report rust_probefs; do
	path=$(module_path $module)
	for i in 1 2 3; do
		insmod "$path" || fail "insmod $module (round $i)"
		grep -q "^$module " /proc/modules || fail "$module not listed after insmod"
		rmmod "$module" || fail "rmmod $module (round $i)"
	done
	echo "$module: 3 load/unload cycles"
done
