# SPDX-License-Identifier: GPL-2.0
# bench-profile.sh: sourced by bench.sh (group 'profile'). Where a bounced direct-I/O read
# spends its time, on bouncefs and on XFS, on the scsi_debug PI disk: the same fio job
# (random 4 KiB reads at queue depth 1, so that every request's events follow each other)
#   1. under the block and workqueue trace events (and bouncefs' own): the time from the
#      submission to the device, from the device to the completion interrupt, and from
#      there to the worker that copies the data back (the offload both file systems do);
#   2. under perf (cpu-clock samples of the whole guest): the hottest kernel functions.
# Writes $out/profile.md (included in the results) and the raw material next to it.

prof=$out/profile
mkdir -p $prof
tr=/sys/kernel/tracing
md=$out/profile.md

profile_job() { # FILE: the fio job file of the profiled job
	{
		global $mnt/matrix 64M time
		job rand-read-4k-qd1 rw=randread bs=4k iodepth=1
	} >"$1"
}

# trace_breakdown NAME: reads the trace of one run, prints one markdown table row.
# Per request (queue depth 1, so events alternate): block_rq_issue -> block_rq_complete
# (device), then block_rq_complete -> the first workqueue_execute_start after it (the
# wait for the completion worker), then that worker's function name.
trace_breakdown() {
	awk -v name="$1" '
	function ts(s) { sub(":", "", s); return s + 0 }
	{
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = ts($i); ev = $(i + 1); break }
	}
	ev == "block_rq_issue:" && $0 ~ / R / { issue = t }
	ev == "block_rq_complete:" && $0 ~ / R / && issue { dev += t - issue; ndev++; done = t; issue = 0 }
	ev == "workqueue_execute_start:" && done {
		match($0, /function [^ ]+/); fn = substr($0, RSTART + 9, RLENGTH - 9)
		wq[fn] += t - done; nwq[fn]++; done = 0
	}
	END {
		best = ""; for (f in nwq) if (best == "" || nwq[f] > nwq[best]) best = f
		if (ndev == 0 || best == "") { printf "| %s | no requests traced | | | |\n", name; exit }
		printf "| %s | %d | %.0f | %.0f | `%s` (%d of %d) |\n", name, ndev,
			dev / ndev * 1e6, wq[best] / nwq[best] * 1e6, best, nwq[best], ndev
	}' $tr/trace
}

log "profile: trace events"
profile_job /tmp/profile.fio
{
	echo "### Where a bounced 4 KiB read waits (trace events, scsi_debug PI disk, queue depth 1)"
	echo
	echo "fio's mean latency of the same job is in the tables above. Device: block_rq_issue to"
	echo "block_rq_complete. Completion worker: block_rq_complete to the first work item that"
	echo "starts afterwards, which is the file system's read-completion worker (its function is"
	echo "named). Trace overhead makes every figure larger than without tracing."
	echo
	echo "| file system | requests | device µs (mean) | to the completion worker µs (mean) | worker function |"
	echo "|---|---:|---:|---:|---|"
} >$md
for config in scsi-bouncefs-auto scsi-xfs; do
	fresh_mount $config
	prep $mnt/matrix 64M
	echo 0 >$tr/tracing_on
	echo >$tr/trace
	echo 16384 >$tr/buffer_size_kb
	for e in block/block_rq_issue block/block_rq_complete workqueue/workqueue_execute_start; do
		echo 1 >$tr/events/$e/enable
	done
	[ "$config" != scsi-bouncefs-auto ] || echo 1 >$tr/events/bouncefs/enable
	echo 1 >$tr/tracing_on
	run_fio /tmp/profile.fio $prof/$config-traced.json
	echo 0 >$tr/tracing_on
	echo 0 >$tr/events/enable
	cp $tr/trace $prof/$config.trace
	trace_breakdown "$config" >>$md
	umount $mnt || fail "umount $mnt"
done
echo >$tr/trace

if command -v perf >/dev/null; then
	log "profile: perf"
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	echo 0 >/proc/sys/kernel/kptr_restrict
	for config in scsi-bouncefs-auto scsi-xfs; do
		fresh_mount $config
		prep $mnt/matrix 64M
		perf record -q -a -g -e cpu-clock -F 499 -o $prof/$config.perf.data -- \
			fio --output-format=json --output=$prof/$config-perf.json /tmp/profile.fio \
			>$prof/$config.perf.log 2>&1 || fail "perf record on $config (see $prof/$config.perf.log)"
		perf report -i $prof/$config.perf.data --stdio --no-children --sort sym -g none \
			--percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 25 >$prof/$config.top || true
		umount $mnt || fail "umount $mnt"
	done
	{
		echo
		echo "### Hottest functions (perf, cpu-clock, whole guest, same job)"
		for config in scsi-bouncefs-auto scsi-xfs; do
			echo
			echo "$config:"
			echo
			echo '```'
			cat $prof/$config.top
			echo '```'
		done
	} >>$md
fi
