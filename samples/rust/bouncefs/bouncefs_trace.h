/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bouncefs trace events: what the direct-I/O path did with each bio.
 *
 *   echo 1 > /sys/kernel/tracing/events/bouncefs/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM bouncefs
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE bouncefs_trace

#if !defined(_BOUNCEFS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _BOUNCEFS_TRACE_H

#include <linux/tracepoint.h>

/* One direct-I/O bio handed to the device: zero-copy or through bounce pages. */
TRACE_EVENT(bouncefs_dio_submit,
	TP_PROTO(dev_t dev, u64 ino, s64 offset, u32 len, bool write, bool bounced),
	TP_ARGS(dev, ino, offset, len, write, bounced),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, ino)
		__field(s64, offset)
		__field(u32, len)
		__field(bool, write)
		__field(bool, bounced)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->ino = ino;
		__entry->offset = offset;
		__entry->len = len;
		__entry->write = write;
		__entry->bounced = bounced;
	),
	TP_printk("dev %d:%d ino %llu offset %lld len %u %s %s",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->ino,
		  __entry->offset, __entry->len,
		  __entry->write ? "write" : "read",
		  __entry->bounced ? "bounced" : "zero-copy")
);

/* A bounced read bio completing: the context the copy back to the caller runs in. */
TRACE_EVENT(bouncefs_dio_read_complete,
	TP_PROTO(dev_t dev, u64 ino, s64 offset, u32 len, int error),
	TP_ARGS(dev, ino, offset, len, error),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, ino)
		__field(s64, offset)
		__field(u32, len)
		__field(int, error)
		__field(bool, task)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->ino = ino;
		__entry->offset = offset;
		__entry->len = len;
		__entry->error = error;
		__entry->task = in_task();
	),
	TP_printk("dev %d:%d ino %llu offset %lld len %u error %d context %s",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->ino,
		  __entry->offset, __entry->len, __entry->error,
		  __entry->task ? "task" : "interrupt")
);

#endif /* _BOUNCEFS_TRACE_H */

#include <trace/define_trace.h>
