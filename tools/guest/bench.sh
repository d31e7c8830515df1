#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench.sh: the guest side of 'make bench'. fio writes one JSON file per run under
# /build/vm/logs/bench/GROUP/CONFIG/repN.json; the host's bouncefs-bench-report turns them
# into the results table and the plot. Job names carry their parameters (block size, queue
# depth, number of jobs, file size), configuration names the disk, the file system and the
# bounce mode.
#
# Every file system is made and its test file written once; then the repetitions go
# round-robin over the configurations (mount, one fio run, unmount), so that a slow phase of
# the host (other VMs on the same cores) spreads over all of them instead of landing on one.
# For that, bouncefs and XFS each get their own half of a PI disk: two scsi_debug partitions
# (num_parts=2), two namespaces of the NVMe controller (vm.sh adds the second in bench mode).
#
# Groups (BENCH_GROUPS, default all): memcpy pi (with the scaling jobs) copy buffered
# filesize profile.
set -eu
. /build/vm/guest/lib.sh
. /build/vm/guest/scsi-debug.sh

out=/build/vm/logs/bench
# Short runs: under TCG with the debug kernel the whole matrix must fit in 40 minutes.
runtime=${BENCH_RUNTIME:-2}
ramp=${BENCH_RAMP:-250ms}
reps=${BENCH_REPS:-3}
# The matrix file: small enough that writing it first costs seconds, not minutes.
size=${BENCH_SIZE:-128M}
file_sizes=${BENCH_FILE_SIZES:-1024M 256M 64M}
groups=${BENCH_GROUPS:-memcpy pi copy buffered filesize profile}
engine=libaio
mnt=/tmp/bench

command -v fio >/dev/null || fail "fio is missing"
command -v mkfs.xfs >/dev/null || fail "mkfs.xfs is missing (xfsprogs)"
nvme=$(need_disk BOUNCEFS_DEV_NVME_PI)
plain=$(need_disk BOUNCEFS_DEV_PLAIN)
use_bouncefs $mnt
rm -rf $out
mkdir -p $out
# Whatever happens, keep the kernel's log of the run next to the results.
trap 'dmesg >$out/dmesg.log; umount $mnt 2>/dev/null || true; rmmod bouncefs 2>/dev/null || true' EXIT

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*"; }

# scsi_debug again, larger and split in two partitions (XFS needs 300 MiB of its own). Its
# store is in RAM; vm.sh gives the bench VM the memory for it.
rmmod scsi_debug 2>/dev/null || true
modprobe scsi_debug dif=1 dix=1 dev_size_mb=${BENCH_SCSI_MB:-768} num_parts=2 ||
	fail "modprobe scsi_debug with two partitions"
udevadm settle --timeout=30 2>/dev/null || sleep 2
scsi=
for d in /sys/block/*; do
	! grep -qs scsi_debug "$d/device/model" || scsi=/dev/${d##*/}
done
[ -b "${scsi}1" ] && [ -b "${scsi}2" ] || fail "no scsi_debug disk with two partitions"
bouncefs_no_write_same "$scsi"
nvme2=${nvme%n1}n2
[ -b "$nvme2" ] || fail "no second NVMe PI namespace ($nvme2): vm.sh adds it in bench mode"
log "disks: scsi_debug PI ${scsi}1 (bouncefs) ${scsi}2 (XFS), NVMe PI $nvme (bouncefs) $nvme2 (XFS), plain $plain"

# dev_of CONFIG: the disk of a configuration named DISK-FS[-MODE].
dev_of() {
	case $1 in
	scsi-bouncefs-*) echo "${scsi}1" ;;
	scsi-xfs) echo "${scsi}2" ;;
	nvme-bouncefs-*) echo "$nvme" ;;
	nvme-xfs) echo "$nvme2" ;;
	plain-bouncefs-*) echo "$plain" ;;
	*) fail "no disk for configuration $1" ;;
	esac
}

# make_fs CONFIG: a new, empty file system on the configuration's disk.
make_fs() {
	dev=$(dev_of "$1")
	case $1 in
	*-xfs) mkfs.xfs -f -q "$dev" || fail "mkfs.xfs $dev" ;;
	*) mkfs.bouncefs -f -q "$dev" || fail "mkfs.bouncefs $dev" ;;
	esac
	touch "/tmp/bench-made-${dev##*/}"
}

# ensure_fs CONFIG: the configuration's file system, made now unless an earlier group
# made it in this boot (so that any subset of BENCH_GROUPS runs).
ensure_fs() {
	dev=$(dev_of "$1")
	[ -e "/tmp/bench-made-${dev##*/}" ] || make_fs "$1"
}

# mount_fs CONFIG: mounts the configuration's file system on $mnt (bouncefs with its
# bounce= mode, the last part of the name).
mount_fs() {
	dev=$(dev_of "$1")
	case $1 in
	*-xfs) mount -t xfs "$dev" $mnt || fail "mount xfs $dev" ;;
	*) mount -t bouncefs -o "bounce=${1##*-}" "$dev" $mnt || fail "mount $1 on $dev" ;;
	esac
}

umount_fs() { umount $mnt || fail "umount $mnt"; }

# prep FILE SIZE: writes FILE in full with direct I/O, so that reads hit written blocks
# and writes overwrite them (no allocation inside the measurement).
prep() {
	fio --name=prep --filename="$1" --size="$2" --rw=write --bs=1M --direct=1 \
		--ioengine=$engine --iodepth=8 --output=/dev/null || fail "fio prep $1"
}

# run_fio JOBFILE OUT: one fio run, JSON out.
run_fio() {
	mkdir -p "$(dirname "$2")"
	fio --output-format=json --output="$2" "$1" || fail "fio $1 (see $2)"
}

# global FILE SIZE [time]: the [global] section of every job file. thread: pthreads
# instead of processes, the cheaper start under TCG. No norandommap: fio's random map keeps
# two writes to the same block from being in flight together. QEMU's NVMe emulation stores
# data and protection information in two steps, so overlapping writes could leave one's
# data with the other's guard tag, and a later read fails with EILSEQ (seen once on XFS).
global() {
	printf '[global]\nioengine=%s\ndirect=1\nfilename=%s\nsize=%s\n' $engine "$1" "$2"
	printf 'thread\nrandrepeat=0\ngroup_reporting\nlat_percentiles=1\n'
	[ "${3:-}" != time ] || printf 'time_based\nruntime=%s\nramp_time=%s\n' "$runtime" "$ramp"
	echo
}

# job NAME OPTION...: one job section; stonewall keeps jobs from overlapping.
job() {
	printf '[%s]\n' "$1"
	shift
	printf '%s\n' "$@" stonewall ''
}

# The issue's matrix: sequential 128 KiB and 1 MiB at queue depth 1 and 8, random 4 KiB
# and 64 KiB at depth 1 and 16, reads and writes, and one mixed job.
matrix_jobs() {
	global $mnt/matrix "$size" time
	for rw in read write; do
		for bs in 128k 1m; do
			for qd in 1 8; do job "seq-$rw-$bs-qd$qd" rw=$rw bs=$bs iodepth=$qd; done
		done
		for bs in 4k 64k; do
			for qd in 1 16; do job "rand-$rw-$bs-qd$qd" rw=rand$rw bs=$bs iodepth=$qd; done
		done
	done
	job mixed-70r30w-16k-qd8 rw=randrw rwmixread=70 bs=16k iodepth=8
}

# 1, 2 and 4 jobs at queue depth 1 on the matrix file, each job on its own part of it (no
# two jobs write the same block at once, see global).
scaling_jobs() {
	global $mnt/matrix "$size" time
	for j in 1 2 4; do
		part=$((${size%M} / j))M
		job seq-read-1m-qd1-j$j rw=read bs=1m numjobs=$j size=$part offset_increment=$part
		job seq-write-1m-qd1-j$j rw=write bs=1m numjobs=$j size=$part offset_increment=$part
		job rand-read-4k-qd1-j$j rw=randread bs=4k numjobs=$j size=$part offset_increment=$part
		job rand-write-4k-qd1-j$j rw=randwrite bs=4k numjobs=$j size=$part offset_increment=$part
	done
}

# rounds GROUP JOBFILE CONFIG...: REPS rounds over the configurations, one fio run each,
# into GROUP/CONFIG/repN$suffix.json.
suffix=
rounds() {
	group=$1
	jobfile=$2
	shift 2
	r=1
	while [ $r -le "$reps" ]; do
		for config in "$@"; do
			log "$group $config rep $r/$reps"
			mount_fs "$config"
			run_fio "$jobfile" "$out/$group/$config/rep$r$suffix.json"
			umount_fs
		done
		r=$((r + 1))
	done
}

# prepare CONFIG FILE SIZE: a new file system with FILE written in full.
prepare() {
	log "prepare $1: mkfs, write $3"
	make_fs "$1"
	mount_fs "$1"
	prep "$mnt/$2" "$3"
	umount_fs
}

pi_group() {
	for config in scsi-bouncefs-auto scsi-xfs nvme-bouncefs-auto nvme-xfs; do
		prepare $config matrix "$size"
	done
	matrix_jobs >/tmp/matrix.fio
	scaling_jobs >/tmp/scaling.fio
	rounds pi /tmp/matrix.fio scsi-bouncefs-auto scsi-xfs nvme-bouncefs-auto nvme-xfs
	rounds scaling /tmp/scaling.fio nvme-bouncefs-auto nvme-xfs
}

# The price of the copy: one bouncefs on the plain disk, mounted bounce=always and
# bounce=never in turn.
copy_group() {
	prepare plain-bouncefs-never matrix "$size"
	matrix_jobs >/tmp/matrix.fio
	rounds copy /tmp/matrix.fio plain-bouncefs-always plain-bouncefs-never
}

# The same amount of data written (and read) with O_DIRECT through bounce pages, and
# buffered then made stable with fsync (fio counts the final fsync in the job's time).
buffered_group() {
	ensure_fs scsi-bouncefs-auto
	mount_fs scsi-bouncefs-auto
	prep $mnt/buf 16M
	umount_fs
	{
		global $mnt/buf 16M
		job dio-write-1m rw=write bs=1m ioengine=psync
		job buffered-write-1m-fsync rw=write bs=1m ioengine=psync direct=0 end_fsync=1
		job dio-read-1m rw=read bs=1m ioengine=psync
		job buffered-read-1m rw=read bs=1m ioengine=psync direct=0 invalidate=1
		job dio-randwrite-4k rw=randwrite bs=4k ioengine=psync size=1M
		job buffered-randwrite-4k-fsync rw=randwrite bs=4k ioengine=psync direct=0 end_fsync=1 size=1M
	} >/tmp/buffered.fio
	rounds buffered /tmp/buffered.fio scsi-bouncefs-auto
}

# Files of 1 GiB, 256 MiB and 64 MiB on the NVMe disk (its namespaces are larger for make
# bench). The 1 GiB file is written once and then truncated: writing each size anew would
# cost minutes.
filesize_group() {
	for config in nvme-bouncefs-auto nvme-xfs; do
		ensure_fs $config
		mount_fs $config
		log "filesize $config: write ${file_sizes%% *}"
		prep $mnt/file "${file_sizes%% *}"
		umount_fs
	done
	for fsize in $file_sizes; do
		for config in nvme-bouncefs-auto nvme-xfs; do
			mount_fs $config
			truncate -s "$fsize" $mnt/file || fail "truncate to $fsize"
			umount_fs
		done
		{
			global $mnt/file "$fsize" time
			job "seq-read-1m-qd8-$fsize" rw=read bs=1m iodepth=8
			job "rand-read-4k-qd16-$fsize" rw=randread bs=4k iodepth=16
			job "rand-write-4k-qd16-$fsize" rw=randwrite bs=4k iodepth=16
		} >/tmp/filesize-$fsize.fio
		suffix=-$fsize
		rounds filesize /tmp/filesize-$fsize.fio nvme-bouncefs-auto nvme-xfs
		suffix=
	done
}

memcpy_group() {
	log "memcpy bandwidth"
	bouncefs-memcpy-bw --reps 5 >$out/memcpy.txt || fail "bouncefs-memcpy-bw"
}

for g in $groups; do
	case $g in
	memcpy) memcpy_group ;;
	pi) pi_group ;;
	copy) copy_group ;;
	buffered) buffered_group ;;
	filesize) filesize_group ;;
	# A diagnosis, not a measurement: if it fails, the results stand without it.
	profile) (. /build/vm/guest/bench-profile.sh) || log "profile failed: see $out/profile/" ;;
	*) fail "unknown group $g" ;;
	esac
done
printf 'each job %s runs of %s s after a %s ramp, %s, matrix file %s\n' \
	"$reps" "$runtime" "$ramp" "$engine" "$size" >$out/settings
uname -r >$out/kernel-release
grep -c ^processor /proc/cpuinfo >$out/cpus
awk '/MemTotal/ { print $2 }' /proc/meminfo >$out/mem-kib
fio --version >$out/fio-version
log "done"
