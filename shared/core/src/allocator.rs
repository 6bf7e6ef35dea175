//! Allocator settings for the long-running server.
//!
//! glibc hands large blocks (over 128 KB at first) straight to the kernel and gives the top of
//! the heap back as soon as 128 KB are free, so every calendar answer (a few hundred KB of
//! rows and JSON) pays for fresh zeroed pages again. The server keeps freed memory for the
//! next request instead: blocks up to 8 MB come from the heap, and the heap is trimmed only
//! above 32 MB of free space.

/// Tells glibc's malloc to keep freed memory for the next request (no-op elsewhere).
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    glibc::tune();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    use std::os::raw::c_int;

    const M_TRIM_THRESHOLD: c_int = -1;
    const M_TOP_PAD: c_int = -2;
    const M_MMAP_THRESHOLD: c_int = -3;

    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }

    pub fn tune() {
        for (param, value) in [
            (M_MMAP_THRESHOLD, 8 << 20),
            (M_TRIM_THRESHOLD, 32 << 20),
            (M_TOP_PAD, 4 << 20),
        ] {
            // SAFETY: mallopt only changes malloc's tuning parameters; these are valid ones.
            unsafe {
                mallopt(param, value);
            }
        }
    }
}
