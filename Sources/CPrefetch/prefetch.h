// Software prefetch for hot loops (Swift has no prefetch intrinsic); used by the RBF encoding's row loops.
#ifndef FIELDFIT_PREFETCH_H
#define FIELDFIT_PREFETCH_H

/// Asks the core to start loading the cache line at `p` (for reading; keep in all cache levels).
/// A hint only: no fault for any address, no effect on results.
static inline __attribute__((always_inline)) void fieldfit_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
