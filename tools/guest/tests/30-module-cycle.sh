#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The project's modules load and unload repeatedly without splatting (the runner checks
# dmesg). bouncefs goes through mount, file creation, unmount and rmmod five times in a
# row with nothing in between: the VFS frees inodes from RCU callbacks that run bouncefs'
# free_inode, and an rmmod that did not wait for them (rcu_barrier) would let one run in
# freed module memory. Booted with kmemleak=on (VM_APPEND=kmemleak=on make check TESTS=module-cycle;
# too slow under TCG for every run), it also checks that kmemleak finds no unreferenced
# object allocated meanwhile whose backtrace passes through the modules.
# timeout: 300
# cost: 45
. /build/vm/guest/lib.sh

kml=/sys/kernel/debug/kmemleak
leaks=no
if grep -qw 'kmemleak=on' /proc/cmdline; then
	leaks=yes
	[ -w $kml ] || fail "booted with kmemleak=on but $kml is missing: the test kernel needs CONFIG_DEBUG_KMEMLEAK"
	# Whatever leaked before this test (boot, other tests) is found and set aside first.
	echo scan >$kml || fail "kmemleak scan"
	echo clear >$kml || fail "kmemleak clear"
fi

for module in rust_bdev_report rust_probefs; do
	path=$(module_path $module)
	for i in 1 2 3; do
		insmod "$path" || fail "insmod $module (round $i)"
		grep -q "^$module " /proc/modules || fail "$module not listed after insmod"
		rmmod "$module" || fail "rmmod $module (round $i)"
	done
	echo "$module: 3 load/unload cycles"
done

dev=$(need_disk BOUNCEFS_DEV_PLAIN)
mnt=/tmp/module-cycle
mkdir -p $mnt
mkfs.bouncefs -f -q "$dev" 1024 || fail "mkfs.bouncefs $dev"
path=$(module_path bouncefs)
for i in 1 2 3 4 5; do
	insmod "$path" || fail "insmod bouncefs (round $i)"
	mount -t bouncefs "$dev" $mnt || fail "mount (round $i)"
	mkdir $mnt/d$i && touch $mnt/d$i/a $mnt/d$i/b $mnt/d$i/c || fail "creating files (round $i)"
	umount $mnt || fail "umount (round $i)"
	rmmod bouncefs || fail "rmmod bouncefs right after umount (round $i)"
done
echo "bouncefs: 5 rounds of insmod, mount, 4 new inodes, umount, rmmod"

if [ $leaks = no ]; then
	echo "leaks not checked: kmemleak is off (boot with kmemleak=on to check them)"
	exit 0
fi
# kmemleak reports only objects older than 5 s, and a pointer can sit in a register or on a
# stack for one scan: wait, then scan twice.
sleep 6
echo scan >$kml
echo scan >$kml
cat $kml >/tmp/kmemleak.txt
if grep -q 'rust_bdev_report\|rust_probefs\|bouncefs' /tmp/kmemleak.txt; then
	cat /tmp/kmemleak.txt
	fail "kmemleak: objects allocated through the modules leaked"
fi
echo "kmemleak: no leak through the modules ($(grep -c '^unreferenced object' /tmp/kmemleak.txt) unrelated suspects)"
