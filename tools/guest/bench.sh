#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench.sh: the guest side of 'make bench'. fio writes one JSON file per run under
# /build/vm/logs/bench/GROUP/CONFIG/repN.json; the host's bouncefs-bench-report turns them
# into the results table and the plot. Job names carry their parameters (block size, queue
# depth, number of jobs, file size), config names the disk, the file system and the bounce
# mode. Every group runs its repetitions round-robin over its configurations, so a slow
# phase of the host (other VMs on the same cores) spreads over all of them instead of
# landing on one.
#
# Groups (BENCH_GROUPS, default all): memcpy pi (with the scaling jobs) copy buffered
# filesize profile.
set -eu
. /build/vm/guest/lib.sh

out=/build/vm/logs/bench
# Short runs: under TCG with the debug kernel a boot's worth of jobs must fit in 40 minutes.
runtime=${BENCH_RUNTIME:-2}
ramp=${BENCH_RAMP:-500ms}
reps=${BENCH_REPS:-3}
# The matrix file: small enough that writing it first costs seconds, not minutes.
size=${BENCH_SIZE:-128M}
groups=${BENCH_GROUPS:-memcpy pi copy buffered filesize profile}
engine=libaio
mnt=/tmp/bench

command -v fio >/dev/null || fail "fio is missing"
command -v mkfs.xfs >/dev/null || fail "mkfs.xfs is missing (xfsprogs)"
scsi=$(need_disk BOUNCEFS_DEV_SCSI_PI)
nvme=$(need_disk BOUNCEFS_DEV_NVME_PI)
plain=$(need_disk BOUNCEFS_DEV_PLAIN)
use_bouncefs $mnt
mkdir -p $out
# Whatever happens, keep the kernel's log of the run next to the results.
trap 'dmesg >$out/dmesg.log; umount $mnt 2>/dev/null || true; rmmod bouncefs 2>/dev/null || true' EXIT

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*"; }

# dev_of CONFIG: the disk of a configuration named DISK-FS[-MODE].
dev_of() {
	case $1 in
	scsi-*) echo "$scsi" ;;
	nvme-*) echo "$nvme" ;;
	plain-*) echo "$plain" ;;
	*) fail "no disk for configuration $1" ;;
	esac
}

# reload_scsi_debug: a new scsi_debug disk. Its store lives in RAM and keeps the
# protection information of earlier writes; mkfs.xfs zeroes its log with WRITE SAME, which
# scsi_debug then answers with stale guard tags (mount fails with EILSEQ) where bouncefs
# had written before. A fresh store also gives every configuration the same start.
reload_scsi_debug() {
	rmmod scsi_debug || fail "rmmod scsi_debug"
	modprobe scsi_debug dif=1 dix=1 dev_size_mb=512 || fail "modprobe scsi_debug"
	udevadm settle --timeout=30 2>/dev/null || sleep 2
	scsi=
	for d in /sys/block/*; do
		! grep -qs scsi_debug "$d/device/model" || scsi=/dev/${d##*/}
	done
	[ -b "$scsi" ] || fail "no scsi_debug disk after reloading the module"
}

# fresh_mount CONFIG: a new, empty file system of CONFIG on its disk, mounted on $mnt.
fresh_mount() {
	case $1 in scsi-*) reload_scsi_debug ;; esac
	dev=$(dev_of "$1")
	case $1 in
	*-xfs)
		mkfs.xfs -f -q "$dev" || fail "mkfs.xfs $dev"
		mount -t xfs "$dev" $mnt || fail "mount xfs $dev"
		;;
	*-bouncefs-*)
		mkfs.bouncefs -f -q "$dev" || fail "mkfs.bouncefs $dev"
		mount -t bouncefs -o "bounce=${1##*-}" "$dev" $mnt || fail "mount bouncefs ${1##*-} $dev"
		;;
	*) fail "unknown configuration $1" ;;
	esac
}

# prep FILE SIZE: writes FILE in full with direct I/O, so that reads hit written blocks
# and writes overwrite them (no allocation inside the measurement).
prep() {
	fio --name=prep --filename="$1" --size="$2" --rw=write --bs=1M --direct=1 \
		--ioengine=$engine --iodepth=8 --output=/dev/null || fail "fio prep $1"
}

# run_fio JOBFILE OUT: one fio run, JSON out.
run_fio() {
	fio --output-format=json --output="$2" "$1" || fail "fio $1 (see $2)"
}

# global FILE SIZE [time]: the [global] section of every job file.
global() {
	printf '[global]\nioengine=%s\ndirect=1\nfilename=%s\nsize=%s\n' $engine "$1" "$2"
	# thread: pthreads instead of processes, the cheaper start under TCG.
	printf 'thread\nrandrepeat=0\nnorandommap\ngroup_reporting\nlat_percentiles=1\n'
	[ "${3:-}" != time ] || printf 'time_based\nruntime=%s\nramp_time=%s\n' "$runtime" "$ramp"
	echo
}

# job NAME OPTION...: one job section; stonewall keeps jobs from overlapping.
job() {
	printf '[%s]\n' "$1"
	shift
	printf '%s\n' "$@" stonewall ''
}

# The matrix: sequential 128 KiB and 1 MiB at queue depth 1 and 8, random 4 KiB
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

# round GROUP REPS CONFIG...: for each repetition, for each configuration: a fresh file
# system, then the group's body (the function GROUP_body, given CONFIG and the JSON path).
round() {
	group=$1
	n=$2
	shift 2
	r=1
	while [ $r -le "$n" ]; do
		for config in "$@"; do
			mkdir -p "$out/$group/$config"
			log "$group $config rep $r/$n"
			fresh_mount "$config"
			"${group}_body" "$config" "$out/$group/$config/rep$r.json"
			umount $mnt || fail "umount $mnt"
		done
		r=$((r + 1))
	done
}

matrix_body() {
	prep $mnt/matrix "$size"
	matrix_jobs >/tmp/matrix.fio
	run_fio /tmp/matrix.fio "$2"
}
# On the NVMe disk (bouncefs and XFS), the scaling jobs follow on the same file.
pi_body() {
	matrix_body "$@"
	case $1 in
	nvme-*)
		mkdir -p "$out/scaling/$1"
		scaling_jobs >/tmp/scaling.fio
		run_fio /tmp/scaling.fio "$out/scaling/$1/${2##*/}"
		;;
	esac
}
copy_body() { matrix_body "$@"; }

# The same amount of data written (and read) with O_DIRECT through bounce pages, and
# buffered then made stable with fsync (fio counts the final fsync in the job's time).
buffered_body() {
	prep $mnt/buf 32M
	{
		global $mnt/buf 32M
		job dio-write-1m rw=write bs=1m ioengine=psync
		job buffered-write-1m-fsync rw=write bs=1m ioengine=psync direct=0 end_fsync=1
		job dio-read-1m rw=read bs=1m ioengine=psync
		job buffered-read-1m rw=read bs=1m ioengine=psync direct=0 invalidate=1
		job dio-randwrite-4k rw=randwrite bs=4k ioengine=psync size=2M
		job buffered-randwrite-4k-fsync rw=randwrite bs=4k ioengine=psync direct=0 end_fsync=1 size=2M
	} >/tmp/buffered.fio
	run_fio /tmp/buffered.fio "$2"
}

# 1, 2 and 4 jobs at queue depth 1 on the matrix file; sequential jobs each take their own
# part of it.
scaling_jobs() {
	global $mnt/matrix "$size" time
	for j in 1 2 4; do
		part=$((${size%M} / j))M
		job seq-read-1m-qd1-j$j rw=read bs=1m numjobs=$j size=$part offset_increment=$part
		job seq-write-1m-qd1-j$j rw=write bs=1m numjobs=$j size=$part offset_increment=$part
		job rand-read-4k-qd1-j$j rw=randread bs=4k numjobs=$j
		job rand-write-4k-qd1-j$j rw=randwrite bs=4k numjobs=$j
	done
}

# Files of 1 GiB, 256 MiB and 64 MiB (the NVMe disk is made larger for make bench). The
# 1 GiB file is written once and then truncated: writing each size anew would cost minutes.
# Here the repetitions follow each other on one mount per file system.
filesize_group() {
	for config in nvme-bouncefs-auto nvme-xfs; do
		mkdir -p "$out/filesize/$config"
		log "filesize $config"
		fresh_mount $config
		prep $mnt/file 1024M
		for fsize in 1024M 256M 64M; do
			truncate -s $fsize $mnt/file || fail "truncate to $fsize"
			{
				global $mnt/file $fsize time
				job seq-read-1m-qd8-$fsize rw=read bs=1m iodepth=8
				job rand-read-4k-qd16-$fsize rw=randread bs=4k iodepth=16
				job rand-write-4k-qd16-$fsize rw=randwrite bs=4k iodepth=16
			} >/tmp/filesize.fio
			r=1
			while [ $r -le "$reps" ]; do
				run_fio /tmp/filesize.fio "$out/filesize/$config/rep$r-$fsize.json"
				r=$((r + 1))
			done
		done
		umount $mnt || fail "umount $mnt"
	done
}

memcpy_group() {
	log "memcpy bandwidth"
	bouncefs-memcpy-bw --reps 5 >$out/memcpy.txt || fail "bouncefs-memcpy-bw"
	cat $out/memcpy.txt
}

for g in $groups; do
	case $g in
	memcpy) memcpy_group ;;
	pi) round pi "$reps" scsi-bouncefs-auto scsi-xfs nvme-bouncefs-auto nvme-xfs ;;
	copy) round copy "$reps" plain-bouncefs-always plain-bouncefs-never ;;
	buffered) round buffered "$reps" scsi-bouncefs-auto ;;
	filesize) filesize_group ;;
	profile) . /build/vm/guest/bench-profile.sh ;;
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
