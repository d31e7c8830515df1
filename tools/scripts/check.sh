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

set +o errexit
"$S/vm.sh" check
vm_status=$?
set -o errexit
summary=$(tail -n 5 "$BOUNCEFS_CACHE/vm-check.log" 2>/dev/null | tr -d '\r' |
	sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' | tail -n 1)
if [ -n "$summary" ]; then
	read -r p f <<<"$summary"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$vm_status" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL  vm: the VM exited with status $vm_status after a clean suite (log: $BOUNCEFS_CACHE/vm-check.log)"
		failed=$((failed + 1))
	fi
else
	echo "FAIL  vm: the VM did not boot or the suite did not finish (exit $vm_status; log: $BOUNCEFS_CACHE/vm-check.log)"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
