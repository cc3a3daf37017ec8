#include "bench_reference.h"
#include <math.h>
#include <stdint.h>

void ffref_triad(float *a, const float *b, const float *c, float s, size_t begin, size_t end) {
    for (size_t i = begin; i < end; i++) a[i] = b[i] + s * c[i];
}

static inline unsigned resolution_of(float scale) { return (unsigned)ceilf(scale) + 1; }

static inline uint32_t entry(uint32_t x, uint32_t y, unsigned res, unsigned T, int dense) {
    if (dense) return x + y * res;
    return (x ^ (y * 2654435761u)) % T;
}

void ffref_hash2d_forward_level(const float *points, size_t n, const float *table, unsigned T,
                                float scale, float *out) {
    const unsigned res = resolution_of(scale);
    const int dense = (uint64_t)res * res <= T;
    for (size_t i = 0; i < n; i++) {
        const float px = points[2 * i] * scale + 0.5f, py = points[2 * i + 1] * scale + 0.5f;
        const float fx = floorf(px), fy = floorf(py);
        const float wx = px - fx, wy = py - fy;
        const uint32_t x = (uint32_t)fx, y = (uint32_t)fy;
        const float *t00 = table + 2 * entry(x, y, res, T, dense), *t10 = table + 2 * entry(x + 1, y, res, T, dense);
        const float *t01 = table + 2 * entry(x, y + 1, res, T, dense), *t11 = table + 2 * entry(x + 1, y + 1, res, T, dense);
        const float w00 = (1 - wx) * (1 - wy), w10 = wx * (1 - wy), w01 = (1 - wx) * wy, w11 = wx * wy;
        out[2 * i] = w00 * t00[0] + w10 * t10[0] + w01 * t01[0] + w11 * t11[0];
        out[2 * i + 1] = w00 * t00[1] + w10 * t10[1] + w01 * t01[1] + w11 * t11[1];
    }
}

void ffref_hash2d_backward_level(const float *points, size_t n, float *table, unsigned T,
                                 float scale, const float *grad) {
    const unsigned res = resolution_of(scale);
    const int dense = (uint64_t)res * res <= T;
    for (size_t i = 0; i < n; i++) {
        const float px = points[2 * i] * scale + 0.5f, py = points[2 * i + 1] * scale + 0.5f;
        const float fx = floorf(px), fy = floorf(py);
        const float wx = px - fx, wy = py - fy;
        const uint32_t x = (uint32_t)fx, y = (uint32_t)fy;
        const float g0 = grad[2 * i], g1 = grad[2 * i + 1];
        float *t;
        t = table + 2 * entry(x, y, res, T, dense);         t[0] += (1 - wx) * (1 - wy) * g0; t[1] += (1 - wx) * (1 - wy) * g1;
        t = table + 2 * entry(x + 1, y, res, T, dense);     t[0] += wx * (1 - wy) * g0;       t[1] += wx * (1 - wy) * g1;
        t = table + 2 * entry(x, y + 1, res, T, dense);     t[0] += (1 - wx) * wy * g0;       t[1] += (1 - wx) * wy * g1;
        t = table + 2 * entry(x + 1, y + 1, res, T, dense); t[0] += wx * wy * g0;             t[1] += wx * wy * g1;
    }
}
