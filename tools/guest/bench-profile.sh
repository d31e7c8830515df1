# SPDX-License-Identifier: GPL-2.0
# bench-profile.sh: sourced by bench.sh (group 'profile', after 'pi', whose file systems
# and files it reuses). Where a bounced direct-I/O read spends its time, on bouncefs and on
# XFS, on the scsi_debug PI disk, with the same fio job (random 4 KiB reads at queue depth 1,
# so that every request's events follow each other):
#   1. trace events: block_rq_issue -> block_rq_complete (the device), then the wait for the
#      completion worker (workqueue_execute_start), and kprobes counting how often the
#      kernel creates and destroys a workqueue meanwhile (it should not, per request);
#   2. perf (cpu-clock samples of the whole guest): the hottest kernel functions, for those
#      reads and for random 4 KiB writes on the NVMe PI disk.
# Writes $out/profile.md (included in the results) and the raw material in $out/profile/.

prof=$out/profile
mkdir -p $prof
tr=/sys/kernel/tracing
md=$out/profile.md
profiled="scsi-bouncefs-auto scsi-xfs"

{
	global $mnt/matrix 64M time
	job rand-read-4k-qd1 rw=randread bs=4k iodepth=1
} >/tmp/profile.fio

# mount_prepared CONFIG: mounts it, with the matrix file (written now if 'pi' did not run).
mount_prepared() {
	ensure_fs "$1"
	mount_fs "$1"
	[ -e $mnt/matrix ] || prep $mnt/matrix "$size"
}

# trace_breakdown NAME: one markdown row from the trace of one run. Per read request:
# device = issue to complete; worker = complete to the next work item that starts.
trace_breakdown() {
	awk -v name="$1" -v reads="$2" '
	{
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = substr($i, 1, length($i) - 1) + 0; ev = $(i + 1); rwbs = $(i + 3); break }
	}
	# "block_rq_issue: 8,0 RS () 49432 + 8 ...": the field after the device is the
	# operation, R for reads with flags after it (RS: a synchronous read).
	ev == "block_rq_issue:" && rwbs ~ /^R/ { issue = t }
	ev == "block_rq_complete:" && rwbs ~ /^R/ && issue { dev += t - issue; ndev++; done = t; issue = 0 }
	ev == "workqueue_execute_start:" && done {
		match($0, /function [^ ]+/); fn = substr($0, RSTART + 9, RLENGTH - 9)
		wq[fn] += t - done; nwq[fn]++; done = 0
	}
	ev == "bench_alloc_wq:" { alloc++ }
	ev == "bench_destroy_wq:" { destroy++ }
	END {
		best = ""; for (f in nwq) if (best == "" || nwq[f] > nwq[best]) best = f
		if (ndev == 0 || best == "") { printf "| %s | %s | no requests traced | | | | |\n", name, reads; exit }
		printf "| %s | %s | %d | %.0f | %.0f | `%s` (%d) | %d / %d |\n", name, reads, ndev,
			dev / ndev * 1e6, wq[best] / nwq[best] * 1e6, best, nwq[best], alloc, destroy
	}' $tr/trace
}

log "profile: trace events"
{
	echo "### Where a bounced 4 KiB read waits (trace events, scsi_debug PI disk, queue depth 1)"
	echo
	echo "Same job as rand-read-4k-qd1, traced (tracing makes every figure larger). Device:"
	echo "block_rq_issue to block_rq_complete. To the worker: block_rq_complete to the first work"
	echo "item that starts afterwards (the most frequent one is named). Workqueues created /"
	echo "destroyed: kprobes on alloc_workqueue_noprof and destroy_workqueue during the job."
	echo
	echo "| file system | reads (fio) | read requests traced | device µs (mean) | to the worker µs (mean) | worker function (times) | workqueues created / destroyed |"
	echo "|---|---:|---:|---:|---:|---|---:|"
} >$md
echo 0 >$tr/tracing_on
echo 'p:bench_alloc_wq alloc_workqueue_noprof' >$tr/kprobe_events 2>/dev/null ||
	echo 'p:bench_alloc_wq alloc_workqueue' >$tr/kprobe_events || true
echo 'p:bench_destroy_wq destroy_workqueue' >>$tr/kprobe_events || true
echo 16384 >$tr/buffer_size_kb
for config in $profiled; do
	mount_prepared $config
	echo >$tr/trace
	for e in block/block_rq_issue block/block_rq_complete workqueue/workqueue_execute_start \
		kprobes/bench_alloc_wq kprobes/bench_destroy_wq; do
		[ ! -e $tr/events/$e/enable ] || echo 1 >$tr/events/$e/enable
	done
	echo 1 >$tr/tracing_on
	run_fio /tmp/profile.fio $prof/$config-traced.json
	echo 0 >$tr/tracing_on
	echo 0 >$tr/events/enable
	cp $tr/trace $prof/$config.trace
	reads=$(awk '/"total_ios"/ { print $3; exit }' $prof/$config-traced.json | tr -d ,)
	trace_breakdown "$config" "${reads:-?}" >>$md
	umount_fs
done
echo >$tr/trace
echo >$tr/kprobe_events

# perf_profile CONFIG JOBFILE: perf of one fio run, the top of the report into $md.
perf_profile() {
	name=$1-${2##*/}
	name=${name%.fio}
	mount_prepared $1
	perf record -q -a -g -e cpu-clock -F 499 -o $prof/$name.perf.data -- \
		fio --output-format=json --output=$prof/$name-perf.json "$2" \
		>$prof/$name.perf.log 2>&1 || fail "perf record on $1 (see $prof/$name.perf.log)"
	umount_fs
	perf report -i $prof/$name.perf.data --stdio --no-children --sort sym -g none \
		--percent-limit 1.5 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 20 >$prof/$name.top || true
	{
		echo
		echo "$1, $(sed -n 's/^\[\(r.*\)\]$/\1/p' "$2"):"
		echo
		echo '```'
		cat $prof/$name.top
		echo '```'
	} >>$md
}

if command -v perf >/dev/null; then
	log "profile: perf"
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	echo 0 >/proc/sys/kernel/kptr_restrict
	{
		global $mnt/matrix 64M time
		job rand-write-4k-qd1 rw=randwrite bs=4k iodepth=1
	} >/tmp/profile-write.fio
	{
		echo
		echo "### Hottest functions (perf record -a -e cpu-clock, not traced)"
		echo
		echo "Random 4 KiB reads on the scsi_debug PI disk, random 4 KiB writes on the NVMe PI disk"
		echo "(where the device costs the guest least), queue depth 1; percent of all samples."
	} >>$md
	for config in $profiled; do
		perf_profile $config /tmp/profile.fio
	done
	for config in nvme-bouncefs-auto nvme-xfs; do
		perf_profile $config /tmp/profile-write.fio
	done
fi
