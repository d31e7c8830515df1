// SPDX-License-Identifier: GPL-2.0

//! The trace events of `bouncefs_trace.h`, called from Rust.
//!
//! Each event is one static-key test when tracing is off, as for C callers.

use kernel::bindings;

mod ffi {
    use kernel::bindings;

    // `struct tracepoint` holds zero-sized C members, as in the kernel's own bindings.
    #[allow(improper_ctypes)]
    extern "C" {
        pub(super) static __tracepoint_bouncefs_dio_submit: bindings::tracepoint;
        pub(super) static __tracepoint_bouncefs_dio_read_complete: bindings::tracepoint;
        pub(super) fn rust_do_trace_bouncefs_dio_submit(
            dev: bindings::dev_t,
            ino: u64,
            offset: i64,
            len: u32,
            write: bool,
            bounced: bool,
        );
        pub(super) fn rust_do_trace_bouncefs_dio_read_complete(
            dev: bindings::dev_t,
            ino: u64,
            offset: i64,
            len: u32,
            error: i32,
        );
    }
}

/// `bouncefs_dio_submit`: one direct-I/O bio handed to the device.
pub(crate) fn dio_submit(dev: u32, ino: u64, offset: i64, len: u32, write: bool, bounced: bool) {
    // SAFETY: Querying a tracepoint's static key is always allowed.
    let enabled = unsafe {
        kernel::jump_label::static_branch_unlikely!(
            ffi::__tracepoint_bouncefs_dio_submit,
            bindings::tracepoint,
            key
        )
    };
    if enabled {
        // SAFETY: The event takes plain values; it may be called from any context.
        unsafe { ffi::rust_do_trace_bouncefs_dio_submit(dev, ino, offset, len, write, bounced) };
    }
}

/// `bouncefs_dio_read_complete`: a bounced read bio completing, with the context.
pub(crate) fn dio_read_complete(dev: u32, ino: u64, offset: i64, len: u32, error: i32) {
    // SAFETY: Querying a tracepoint's static key is always allowed.
    let enabled = unsafe {
        kernel::jump_label::static_branch_unlikely!(
            ffi::__tracepoint_bouncefs_dio_read_complete,
            bindings::tracepoint,
            key
        )
    };
    if enabled {
        // SAFETY: The event takes plain values; it may be called from any context.
        unsafe { ffi::rust_do_trace_bouncefs_dio_read_complete(dev, ino, offset, len, error) };
    }
}
