// SPDX-License-Identifier: GPL-2.0
/* The trace events of bouncefs, and the functions its Rust code calls them through. */

#define CREATE_TRACE_POINTS
#define CREATE_RUST_TRACE_POINTS
#include "bouncefs_trace.h"
