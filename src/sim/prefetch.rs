//! Software prefetch: the simulation asks the CPU to start loading memory it will read soon (the
//! channel of the next entry of an input gate and the head of its queue, the next channel a
//! producer writes or flushes), so that the loads of large jobs, whose channels do not fit in the
//! caches, overlap instead of waiting one after the other. Only a matter of speed: a prefetch
//! reads nothing the program sees and changes no value. A no-op off x86_64 (wasm included).

/// Asks for the cache line holding `p` (any address: a prefetch never faults).
#[inline(always)]
pub fn line<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is a hint: it never faults, whatever the address, and neither reads
    // nor writes anything the program can observe. SSE, which it needs, is part of x86_64.
    unsafe {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Asks for every cache line of `*r`.
#[inline(always)]
pub fn all<T>(r: &T) {
    let p = (r as *const T).cast::<u8>();
    let size = std::mem::size_of::<T>();
    let mut off = 0;
    while off < size {
        line(p.wrapping_add(off));
        off += 64;
    }
    if size > 0 {
        line(p.wrapping_add(size - 1));
    }
}
