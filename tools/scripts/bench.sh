#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh: make bench. One boot of the test kernel runs every fio job
# (tools/guest/bench.sh); then, on the host side of the build root,
# bouncefs-bench-report turns fio's JSON into Documentation/benchmark-results.md and
# gnuplot renders Documentation/benchmark-throughput.png. Documentation/benchmarks.rst
# says what is measured and how to read it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root bench
IN_ROOT=$SRC_DIR/tools/scripts/in-root.sh

# Said in the results: the figures mean little without the kernel they ran on.
kernel_kind="the project's test kernel, built with LLVM"
for opt in KASAN PROVE_LOCKING KFENCE DEBUG_ATOMIC_SLEEP; do
	! grep -q "^CONFIG_$opt=y" "$TREE/.config" || kernel_kind+=", $opt"
done

start=$(date +%s)
set +o errexit
"$SRC_DIR/tools/scripts/vm.sh" bench
vm_status=$?
set -o errexit
elapsed=$(($(date +%s) - start))
[ -d "$ROOT$IN_BUILD/vm/logs/bench" ] || die bench "the VM wrote no results ($ROOT$IN_BUILD/vm/logs/bench; log: $BOUNCEFS_CACHE/vm-bench.log)."

step "results table and plot" "seconds"
mkdir -p "$ROOT$IN_BUILD/bench"
"$IN_ROOT" $IN_TARGET/release/bouncefs-bench-report $IN_BUILD/vm/logs/bench \
	--markdown $IN_SRC/Documentation/benchmark-results.md \
	--plot-data $IN_BUILD/bench/throughput.dat \
	--plot-script $IN_BUILD/bench/throughput.gp \
	--png $IN_SRC/Documentation/benchmark-throughput.png \
	--png-link benchmark-throughput.png \
	--date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
	--kernel-kind "$kernel_kind" \
	--elapsed "$elapsed" ||
	die bench "bouncefs-bench-report failed on $BOUNCEFS_CACHE/vm-logs/bench."
"$IN_ROOT" gnuplot $IN_BUILD/bench/throughput.gp ||
	die bench "gnuplot failed on $ROOT$IN_BUILD/bench/throughput.gp."
step_done
# A failed run still gets its partial report (what is missing says "not measured"), and
# still fails.
[ "$vm_status" = 0 ] || die bench "the benchmark VM failed (exit $vm_status; log: $BOUNCEFS_CACHE/vm-bench.log; fio's output and dmesg: $BOUNCEFS_CACHE/vm-logs/bench/); the report above is partial."
info "results: Documentation/benchmark-results.md and Documentation/benchmark-throughput.png ($((elapsed / 60)) min $((elapsed % 60)) s in the VM)"
