#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: the README's test command. Host tests (cargo test for tools/), then the
# in-guest suite; one line per test, then 'N passed, N failed'. Exits non-zero if
# anything failed or did not run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S=$SRC_DIR/tools/scripts
passed=0
failed=0

printf '\n==> host tests: cargo test (tools/)\n' >&2
set +o errexit
host_out=$("$S/build.sh" host-check 2>&1)
host_status=$?
set -o errexit
printf '%s\n' "$host_out" | grep -E '^test |^error|panicked' || true
while read -r p f; do
	passed=$((passed + p))
	failed=$((failed + f))
done < <(printf '%s\n' "$host_out" | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p')
if [ "$host_status" != 0 ] && [ "$failed" = 0 ]; then
	printf '%s\n' "$host_out" | tail -n 20
	echo "FAIL  host-tests: cargo test did not run (exit $host_status)"
	failed=$((failed + 1))
fi

# The project's Rust is formatted as rustfmt (with the kernel's settings) wants it.
if fmt_out=$("$S/build.sh" fmt-check 2>&1); then
	echo "PASS  host/rustfmt"
	passed=$((passed + 1))
else
	printf '%s\n' "$fmt_out" | head -n 20
	echo "FAIL  host/rustfmt: run 'make fmt'"
	failed=$((failed + 1))
fi

# The compile-fail suite: misuses of the kernel crate's safe API that must not build.
set +o errexit
cf_out=$("$S/compile-fail.sh" 2>&1)
cf_status=$?
set -o errexit
printf '%s\n' "$cf_out" | grep -E '^(PASS|FAIL)  ' || true
cf_summary=$(printf '%s\n' "$cf_out" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' | tail -n 1)
cf_failed=0
if [ -n "$cf_summary" ]; then
	read -r cf_passed cf_failed <<<"$cf_summary"
	passed=$((passed + cf_passed))
	failed=$((failed + cf_failed))
fi
if [ -z "$cf_summary" ] || { [ "$cf_status" != 0 ] && [ "$cf_failed" = 0 ]; }; then
	printf '%s\n' "$cf_out" | tail -n 20
	echo "FAIL  compile-fail: the suite did not run (exit $cf_status)"
	failed=$((failed + 1))
fi

# The in-guest suite, in VM_COUNT VMs side by side (default 1), each with its own disks and
# logs, that share it: each VM claims the costliest tests still unclaimed; the first also
# runs the KUnit suites at boot. Their reports are merged into one, in file-name order.
# On the project's 2-core machine kind one 2-vCPU VM is the fastest: two 1-vCPU VMs ran each
# test 2-3 times slower (Documentation/testing.rst, "Several VMs").
VM_COUNT=${VM_COUNT:-1}
# One vCPU each when VMs share the host's 2 cores: with more vCPU threads than cores, a
# guest spins on locks whose holder's thread the host has descheduled, and two 2-vCPU VMs
# took over 9 minutes to boot where one boots in 3.
VM_CPUS=${VM_CPUS:-$([ "$VM_COUNT" -gt 1 ] && echo 1 || echo 2)}
export VM_CPUS
case $VM_COUNT in [1-9]) ;; *) die check "VM_COUNT: '$VM_COUNT' is not a number from 1 to 9." ;; esac
# virtme-ng links the tree's modules into .virtme_mods when that is older than
# modules.order; VMs starting together would each do it and trip over the other's links
# ("ln: ... File exists"). Done once here, the VMs find it up to date.
"$S/in-root.sh" sh -ec "cd $IN_TREE
	dep=.virtme_mods/lib/modules/0.0.0/modules.dep
	[ -f \$dep ] && [ ! modules.order -nt \$dep ] || virtme-prep-kdir-mods" >/dev/null ||
	die check "virtme-prep-kdir-mods failed in $TREE."
rm -rf "$ROOT$IN_BUILD/claims"
mkdir -p "$ROOT$IN_BUILD/claims"
pids=()
reports=()
for i in $(seq 1 "$VM_COUNT"); do
	instance=vm
	[ "$i" = 1 ] || instance=vm$i
	rm -f "$ROOT$IN_BUILD/$instance/logs/report.txt"
	reports+=("$i=$IN_BUILD/$instance/logs/report.txt")
	# Each VM's console goes to its own log (vm-check.log, vm-check-vm2.log, ...); the
	# terminal shows its lines prefixed with the VM's number. The subshell's status is
	# vm.sh's (pipefail, lib.sh), not sed's.
	(VM_INSTANCE=$instance VM_NAME=$i VM_KUNIT=$([ "$i" = 1 ] && echo 1 || echo 0) \
		"$S/vm.sh" check 2>&1 | sed -u "s/^/[vm$i] /") &
	pids+=($!)
done
vm_status=0
for pid in "${pids[@]}"; do
	wait "$pid" || vm_status=$?
done
printf '\n==> the in-guest suite, merged from %s VMs\n' "$VM_COUNT" >&2
set +o errexit
merged=$("$S/in-root.sh" "$IN_TARGET/release/bouncefs-tests" --merge --only "${TESTS:-}" \
	"$IN_SRC/tools/guest/tests" "${reports[@]}")
set -o errexit
summary=$(printf '%s\n' "$merged" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' | tail -n 1)
printf '%s\n' "$merged" | sed '$d'
if [ -n "$summary" ]; then
	read -r p f <<<"$summary"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$vm_status" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL  vm: a VM exited with status $vm_status after a clean suite (logs: $BOUNCEFS_CACHE/vm-check*.log)"
		failed=$((failed + 1))
	fi
else
	echo "FAIL  vm: the reports of the VMs could not be merged (logs: $BOUNCEFS_CACHE/vm-check*.log)"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
