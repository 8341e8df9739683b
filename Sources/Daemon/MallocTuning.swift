#if canImport(Glibc)
import CMalloc
#endif

/// The daemon's process-wide allocator policy: settings applied before anything else starts,
/// and a way to hand freed memory back (`releaseFreePages`).
///
/// Why: the metrics page is one buffer of about 2 KiB per job (20 MiB at 10,000 jobs), rendered
/// again after every store change. glibc's default mmap threshold is dynamic: after the first
/// such buffer is freed it rises to that size, so every later page is carved from a malloc arena,
/// and an arena only returns memory from its top: freed pages stayed resident (RSS at 10,000
/// jobs grew past 160 MB). A fixed threshold keeps large buffers on `mmap`, so freeing one returns
/// it to the kernel at once; it also fixes the trim threshold at glibc's default 128 KiB.
///
/// Arenas: glibc makes one per thread that contends, up to 8 per core, each keeping its own free
/// memory. Two are enough for a daemon whose work is two NIO threads and a small task pool.
///
/// Environment variables (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`) would do the same but depend on
/// how the daemon is started; this holds under systemd, a shell and the benchmark alike.
public enum MallocTuning {
    static let mmapThresholdBytes: Int32 = 256 * 1024
    static let maxArenas: Int32 = 2

    public static func apply() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes)
        _ = mallopt(M_ARENA_MAX, maxArenas)
        #endif
    }

    /// Gives the pages of freed memory inside the arenas back to the kernel.
    ///
    /// Why: the kept metrics page is a few hundred buffers of 32 KiB or more, below the mmap
    /// threshold, and every poll replaces some of them; the arenas' free chunks end up scattered
    /// between live ones, and an arena trims only its top. At 10,000 jobs that was 20 MiB of RSS
    /// holding nothing. `malloc_trim` releases whole free pages anywhere in the arenas.
    static func releaseFreePages() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
