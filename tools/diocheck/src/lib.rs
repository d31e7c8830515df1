// SPDX-License-Identifier: GPL-2.0

//! Direct-I/O integrity and coherency scenarios for any file system, with the data of every
//! sector verified (see [`pattern`]). Used by `bouncefs-dio-check` in the guest suite, on
//! bouncefs and on XFS alike.

pub mod buffer;
pub mod history;
pub mod pattern;
pub mod scenarios;
pub mod sys;
