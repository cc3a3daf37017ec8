// Plain C reference kernels that fieldfit-bench measures the machine's limits with: the figures the
// Swift kernels are held against ("% of the limit") come from these, on the same machine, in the same run.
#ifndef FIELDFIT_BENCH_REFERENCE_H
#define FIELDFIT_BENCH_REFERENCE_H
#include <stddef.h>

/// STREAM triad a[i] = b[i] + s·c[i] over [begin, end).
void ffref_triad(float *a, const float *b, const float *c, float s, size_t begin, size_t end);

/// tiny-cuda-nn's 2D hash-grid forward for one level, scalar: for each of `n` points (rows of 2 floats in
/// [0, 1)), bilinear interpolation of 2 features from `table` (T × 2 floats), written to out[2·i].
/// Dense indexing while res² ≤ T, else the spatial hash; position x·scale + 0.5.
void ffref_hash2d_forward_level(const float *points, size_t n, const float *table, unsigned T,
                                float scale, float *out);

/// The matching backward: table[entry] += weight · grad[2·i] for every corner of every point.
void ffref_hash2d_backward_level(const float *points, size_t n, float *table, unsigned T,
                                 float scale, const float *grad);
#endif
