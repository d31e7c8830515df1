#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xfstests.sh: what the VM runs for 'make xfstests' (tools/scripts/xfstests.sh prepares
# /build/vm/xfstests and vm.sh boots the guest).
#
# For every file system of FSTYPES, writes an xfstests configuration on its own pair of
# PI disks (scsi_debug, loaded here, or QEMU NVMe: XFSTESTS_DISKS), makes the test file system, and runs ./check over the selected tests in
# chunks, alternating the file systems chunk by chunk, so a run cut short by its budget
# still has both file systems' results for the same tests. A watchdog kills a test that
# runs longer than XFSTESTS_TEST_TIMEOUT; xfstests then reports it failed, and the
# marker file generic/NNN.timeout tells the report why.
set -u
out=/build/vm/xfstests
# shellcheck source=/dev/null
. "$out/env" # XFSTESTS_DIR FSTYPES XFSTESTS_TEST_TIMEOUT XFSTESTS_SOAK_DURATION XFSTESTS_BUDGET XFSTESTS_CHUNK XFSTESTS_DISKS XFSTESTS_DISK_MB
export PATH=/build/target/release:$PATH

fail() {
	echo "xfstests: FAIL: $*" >&2
	exit 1
}
log() { echo "xfstests: $*" | tee -a "$out/progress" >&2; }

[ -x "$XFSTESTS_DIR/check" ] || fail "no xfstests checkout at $XFSTESTS_DIR in the guest"

# nvme_disk SERIAL: the block device of the NVMe controller with that serial.
nvme_disk() {
	for d in /sys/block/nvme*; do
		if [ "$(tr -d " " <"$d/device/serial" 2>/dev/null)" = "$1" ]; then
			echo "/dev/${d##*/}"
			return
		fi
	done
	fail "no disk with serial $1: vm.sh did not attach it"
}

# scsi_debug_disks: the scsi_debug disks, in the order of their SCSI hosts.
scsi_debug_disks() {
	for d in /sys/block/sd*; do
		grep -qs scsi_debug "$d/device/model" || continue
		echo "$(basename "$(readlink -f "$d/device")") /dev/${d##*/}"
	done | sort -t: -k1,1n | cut -d' ' -f2
}

fstypes=($FSTYPES)
if [ "$XFSTESTS_DISKS" = scsi_debug ]; then
	# One host with its own store per disk (per_host_store), so the disks do not share
	# their blocks; WRITE SAME off, as in the suite (scsi-debug.sh says why).
	n=$((2 * ${#fstypes[@]}))
	modprobe scsi_debug dif=1 dix=1 dev_size_mb="$XFSTESTS_DISK_MB" add_host=$n per_host_store=1 ||
		fail "modprobe scsi_debug (add_host=$n dev_size_mb=$XFSTESTS_DISK_MB) failed"
	udevadm settle --timeout=30 2>/dev/null || sleep 2
	mapfile -t sdebug <<<"$(scsi_debug_disks)"
	[ "${#sdebug[@]}" = "$n" ] || fail "scsi_debug made ${#sdebug[@]} disks (${sdebug[*]}), not $n"
	# shellcheck source=/dev/null
	. "$(dirname "$0")/scsi-debug.sh"
	for d in "${sdebug[@]}"; do bouncefs_no_write_same "$d"; done
fi

# disk FSTYP ROLE: the disk of that file system and role (test, scratch).
disk() {
	local i
	if [ "$XFSTESTS_DISKS" = nvme ]; then
		nvme_disk "xt-$1-$2"
		return
	fi
	for i in "${!fstypes[@]}"; do
		if [ "${fstypes[i]}" = "$1" ]; then
			[ "$2" = test ] && echo "${sdebug[2 * i]}" || echo "${sdebug[2 * i + 1]}"
			return
		fi
	done
	fail "no disk for $1"
}

mod=$(find /build/modules -name bouncefs.ko | head -n 1)
case " $FSTYPES " in
*" bouncefs "*)
	[ -n "$mod" ] || fail "bouncefs.ko not found under /build/modules: run 'make modules'"
	insmod "$mod" || fail "insmod $mod failed"
	;;
esac
uname -r >"$out/kernel"

# The users and group xfstests' README asks for (_require_user, _require_group); /etc is
# an overlay in the guest, so the build root stays as it is. useradd cannot replace
# /etc/shadow on that overlay, so the entries are appended, with no password ("*": not
# looked up in /etc/shadow; root's su needs none).
uid=2001
for user in fsgqa 123456-fsgqa fsgqa2; do
	if ! id "$user" >/dev/null 2>&1; then
		mkdir -p "/home/$user" &&
			echo "$user:*:$uid:$uid::/home/$user:/bin/bash" >>/etc/passwd &&
			echo "$user:*:$uid:" >>/etc/group &&
			chown "$uid:$uid" "/home/$user" ||
			log "could not add user $user: tests that need it are not run"
	fi
	uid=$((uid + 1))
done
getent group fsgqa >/dev/null || log "no group fsgqa: tests that need it are not run"

# Inodes of the file systems that fill a disk (mkfs below, _scratch_mkfs).
disk_inodes="-N 16384"
for fs in $FSTYPES; do
	test_dev=$(disk "$fs" test) || exit 1
	scratch_dev=$(disk "$fs" scratch) || exit 1
	format=$(cat "/sys/block/${test_dev#/dev/}/integrity/format" 2>/dev/null)
	[ "$format" = T10-DIF-TYPE1-CRC ] || fail "$test_dev has integrity format '$format', not T10-DIF-TYPE1-CRC"
	mkdir -p "/tmp/xfst/$fs/test" "/tmp/xfst/$fs/scratch" "$out/results/$fs"
	# mkfs(8) runs mkfs.bouncefs, which refuses to overwrite a file system without -f;
	# xfstests' own mkfs helpers add -f for XFS. xfstests makes the scratch file system
	# and fsck checks both after every test; they write and read the whole inode table,
	# which under TCG with KASAN costs minutes with the default (one inode per four
	# blocks: 16 MiB on 1 GiB), seconds with 16384 inodes (4 MiB).
	mkfs_options=
	[ "$fs" = bouncefs ] && mkfs_options="-f $disk_inodes"
	cat >"$out/$fs.config" <<EOF
# Written by bouncefs' tools/guest/xfstests.sh.
export FSTYP=$fs
export TEST_DEV=$test_dev
export TEST_DIR=/tmp/xfst/$fs/test
export SCRATCH_DEV=$scratch_dev
export SCRATCH_MNT=/tmp/xfst/$fs/scratch
export RESULT_BASE=$out/results/$fs
export MKFS_OPTIONS="$mkfs_options"
# The soak tests (generic/521: fsx for a million operations) run for this long instead,
# so that they end with a verdict within the time limit under TCG.
export SOAK_DURATION=$XFSTESTS_SOAK_DURATION
EOF
	case $fs in
	bouncefs) mkfs.bouncefs $mkfs_options -q "$test_dev" ;;
	xfs) mkfs.xfs -f -q "$test_dev" ;;
	*) mkfs -t "$fs" "$test_dev" ;;
	esac || fail "mkfs of $fs on $test_dev failed"
	log "$fs: TEST_DEV $test_dev, SCRATCH_DEV $scratch_dev ($format)"
done

# xfstests' _try_scratch_mkfs_sized knows the mkfs of each file system by name and skips
# the test on any other ("Filesystem bouncefs not supported in _scratch_mkfs_sized"),
# though mkfs.bouncefs takes a size in 4 KiB blocks like mkfs.ext4. Until xfstests has a
# bouncefs case, the VM sees a common/rc where that fallback makes bouncefs of the size
# asked; the checkout itself is not changed. The inode count of MKFS_OPTIONS, chosen for
# the whole disk, would fill half of a small file system: sized ones get mkfs.bouncefs'
# default of one inode per four blocks.
rc=$XFSTESTS_DIR/common/rc
notrun='_notrun "Filesystem $FSTYP not supported in _scratch_mkfs_sized"'
case " $FSTYPES " in
*" bouncefs "*)
	if grep -qF "$notrun" "$rc" && ! grep -qE '^[[:space:]]*bouncefs\)' "$rc"; then
		awk -v notrun="$notrun" -v inodes="$disk_inodes" '
			index($0, notrun) {
				indent = substr($0, 1, index($0, notrun) - 1)
				print indent "if [ \"$FSTYP\" = bouncefs ]; then"
				print indent "\t$MKFS_PROG -t bouncefs ${MKFS_OPTIONS/" inodes "/} \"$@\" $SCRATCH_DEV $((fssize / 4096))"
				print indent "else"
				print "\t" $0
				print indent "fi"
				next
			}
			{ print }' "$rc" >/tmp/xfstests-rc &&
			mount --bind /tmp/xfstests-rc "$rc" ||
			fail "could not give xfstests' _try_scratch_mkfs_sized a bouncefs case"
		log "common/rc: _try_scratch_mkfs_sized makes bouncefs with mkfs.bouncefs DEV BLOCKS (in the VM only)"
	elif ! grep -qE '^[[:space:]]*bouncefs\)' "$rc"; then
		log "common/rc: no fallback of _try_scratch_mkfs_sized found to extend: its tests are not run on bouncefs"
	fi
	;;
esac

# killtree PID: stop PID first so that it cannot fork while its descendants go.
killtree() {
	kill -STOP "$1" 2>/dev/null
	for child in $(pgrep -P "$1"); do killtree "$child"; done
	kill -KILL "$1" 2>/dev/null
}

# watchdog RESULT_BASE: xfstests has no per-test time limit; under TCG with KASAN a
# test that takes minutes on hardware can take hours. check runs each test as
# "/bin/bash /path/to/xfstests/tests/generic/NNN"; kill the one older than the limit.
# One pgrep per round and bash builtins otherwise: under TCG every fork costs the tests
# time (a loop spawning a program per process of /proc took a good part of a vCPU).
watchdog() {
	local hz limit=$XFSTESTS_TEST_TIMEOUT round=0 pid args stat fields up test
	hz=$(getconf CLK_TCK)
	while sleep 5; do
		# xfstests keeps only the kernel log of tests that warned, and a VM cut short by
		# its timeout keeps nothing: keep all of it as it grows.
		[ $((round++ % 6)) = 0 ] && dmesg >"$out/dmesg.log"
		for pid in $(pgrep -f "^/bin/bash $XFSTESTS_DIR/tests/[a-z]+/[0-9]+"); do
			mapfile -d '' -t args 2>/dev/null <"/proc/$pid/cmdline" || continue
			[ "${args[0]:-}" = /bin/bash ] || continue
			test=${args[1]#"$XFSTESTS_DIR/tests/"}
			read -r stat 2>/dev/null <"/proc/$pid/stat" || continue
			# Field 22, starttime in clock ticks; fields counted after the ") " of comm.
			read -r -a fields <<<"${stat##*) }"
			read -r up _ </proc/uptime
			if [ $((${up%.*} - fields[19] / hz)) -gt "$limit" ]; then
				echo "$limit" >"$1/$test.timeout"
				log "$test: over ${limit}s, killed"
				killtree "$pid"
			fi
		done
	done
}

# run.txt: the selection (tests.txt), less what a resumed run already has results for on
# every file system.
mapfile -t tests <"$out/run.txt"

# without_results FS TEST...: the TESTs with no verdict yet in FS's check.log, so that a
# resumed run does not repeat on one file system what only the other still lacks.
without_results() {
	local checklog=$out/results/$1/check.log
	shift
	[ -f "$checklog" ] || {
		printf '%s\n' "$@"
		return
	}
	printf '%s\n' "$@" |
		grep -vxF -f <(sed -n 's/^\(Ran\|Not run\|Failures\)://p' "$checklog" | tr ' ' '\n'; echo /) || true
}

start=$(date +%s)
chunk=${XFSTESTS_CHUNK:-10}
for ((i = 0; i < ${#tests[@]}; i += chunk)); do
	if [ $(($(date +%s) - start)) -ge "$XFSTESTS_BUDGET" ]; then
		log "budget of ${XFSTESTS_BUDGET}s used up: tests from ${tests[i]} on were not run"
		echo "${tests[i]}" >"$out/stopped-at"
		break
	fi
	for fs in $FSTYPES; do
		mapfile -t part < <(without_results "$fs" "${tests[@]:i:chunk}")
		[ "${#part[@]}" -gt 0 ] || continue
		log "$fs: ${part[*]}"
		mkdir -p "$out/results/$fs/generic"
		watchdog "$out/results/$fs" &
		wd=$!
		t0=$(date +%s)
		(cd "$XFSTESTS_DIR" && HOST_OPTIONS=$out/$fs.config ./check "${part[@]}") 2>&1 |
			tee -a "$out/$fs.check.out"
		t1=$(date +%s)
		kill "$wd" 2>/dev/null
		wait "$wd" 2>/dev/null
		# Wall time of ./check, start-up and the checks after each test included.
		echo $(($(cat "$out/results/$fs/runtime" 2>/dev/null || echo 0) + t1 - t0)) >"$out/results/$fs/runtime"
		dmesg >"$out/dmesg.log"
		# A test that left its file system mounted must not hold the next chunk.
		umount "/tmp/xfst/$fs/scratch" 2>/dev/null
	done
done
log "done in $(($(date +%s) - start))s"
