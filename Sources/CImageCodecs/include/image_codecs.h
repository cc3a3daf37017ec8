#pragma once
// Small C bridge to libpng and libjpeg for fieldfit: these libraries report errors through
// longjmp, which Swift cannot catch, so decoding and encoding happen here behind plain return codes.
// All functions work on memory buffers; the Swift side does the file access (atomic writes, clear errors).
// Every function returns 0 on success and -1 on failure with a one-line message in `err`.
// Nothing is printed to stderr.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A decoded image: rows top to bottom, samples interleaved, no row padding.
/// `pixels` holds uint8_t samples when bit_depth is 8 and native-endian uint16_t samples when it is 16;
/// free it with ic_free.
typedef struct ic_image {
    int width;
    int height;
    int channels;   ///< 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    int bit_depth;  ///< 8 or 16
    void *pixels;
} ic_image;

/// Decodes a PNG of any colour type and bit depth: palette becomes RGB(A), tRNS becomes alpha,
/// 1/2/4-bit gray becomes 8-bit, 16-bit stays 16-bit. Truncated data is an error.
int ic_png_decode(const uint8_t *data, size_t size, ic_image *out, char *err, size_t errlen);

/// Encodes 8-bit (uint8_t) or 16-bit (native-endian uint16_t) samples, 1–4 channels, as a PNG.
/// `compression` is the zlib level 0–9. The encoded bytes go to *out (free with ic_free).
int ic_png_encode(const void *pixels, int width, int height, int channels, int bit_depth, int compression,
                  uint8_t **out, size_t *out_size, char *err, size_t errlen);

/// Decodes a baseline or progressive JPEG to 8-bit gray (1 channel) or RGB (3 channels);
/// CMYK/YCCK files are converted to RGB. Data that ends early is an error (libjpeg alone only warns).
int ic_jpeg_decode(const uint8_t *data, size_t size, ic_image *out, char *err, size_t errlen);

/// As ic_jpeg_decode, shrunk by libjpeg's DCT scaling to 1/scale_denom (1, 2, 4 or 8) of its size:
/// ceil(width / scale_denom) × ceil(height / scale_denom) pixels, each about the mean of its block.
int ic_jpeg_decode_scaled(const uint8_t *data, size_t size, int scale_denom, ic_image *out, char *err, size_t errlen);

/// Encodes 8-bit gray (1 channel) or RGB (3 channels) samples as a JPEG with `quality` 1–100.
int ic_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                   uint8_t **out, size_t *out_size, char *err, size_t errlen);

/// Frees a buffer that this bridge allocated (ic_image.pixels, encoded bytes). NULL is fine.
void ic_free(void *buffer);

#ifdef __cplusplus
}
#endif
