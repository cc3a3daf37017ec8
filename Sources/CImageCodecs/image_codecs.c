// PNG and JPEG codecs on memory buffers, with libpng's and libjpeg's longjmp errors turned into
// return codes and one-line messages. See include/image_codecs.h.

#include "image_codecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define IC_LITTLE_ENDIAN 0
#else
#define IC_LITTLE_ENDIAN 1
#endif

/// Decoding refuses images with more pixels than this (16384²): a corrupt or hostile header must not
/// make us allocate many gigabytes.
#define IC_MAX_PIXELS ((uint64_t)1 << 28)

static void ic_set_error(char *err, size_t errlen, const char *format, ...) {
    if (err == NULL || errlen == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(err, errlen, format, args);
    va_end(args);
}

void ic_free(void *buffer) { free(buffer); }

// MARK: - PNG

/// Error context handed to libpng as its error pointer: the jump target and the message buffer.
typedef struct {
    jmp_buf jump;
    char *err;
    size_t errlen;
} ic_png_context;

static void ic_png_error(png_structp png, png_const_charp message) {
    ic_png_context *ctx = (ic_png_context *)png_get_error_ptr(png);
    ic_set_error(ctx->err, ctx->errlen, "%s", message);
    longjmp(ctx->jump, 1);
}

static void ic_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // warnings (bad ancillary chunks and the like) are not fatal and not printed
}

/// A read cursor over the caller's bytes.
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
} ic_reader;

static void ic_png_read_memory(png_structp png, png_bytep destination, png_size_t count) {
    ic_reader *reader = (ic_reader *)png_get_io_ptr(png);
    if (count > reader->size - reader->position) {
        png_error(png, "the file is truncated (the data ends before the image is complete)");
    }
    memcpy(destination, reader->data + reader->position, count);
    reader->position += count;
}

/// A growing output buffer; it lives on the heap so it is well defined after a longjmp.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} ic_writer;

static void ic_png_write_memory(png_structp png, png_bytep source, png_size_t count) {
    ic_writer *writer = (ic_writer *)png_get_io_ptr(png);
    if (count > writer->capacity - writer->size) {
        size_t capacity = writer->capacity ? writer->capacity * 2 : 65536;
        while (capacity - writer->size < count) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(writer->data, capacity);
        if (grown == NULL) png_error(png, "out of memory while encoding the PNG");
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, source, count);
    writer->size += count;
}

static void ic_png_flush_memory(png_structp png) { (void)png; }

int ic_png_decode(const uint8_t *data, size_t size, ic_image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    ic_set_error(err, errlen, "unknown error");
    ic_png_context ctx;
    ctx.err = err;
    ctx.errlen = errlen;
    ic_reader reader = {data, size, 0};

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, ic_png_error, ic_png_warning);
    if (png == NULL) {
        ic_set_error(err, errlen, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        ic_set_error(err, errlen, "out of memory");
        return -1;
    }
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(ctx.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return -1;
    }

    png_set_read_fn(png, &reader, ic_png_read_memory);
#ifdef PNG_IGNORE_ADLER32
    // The chunk CRCs already guard the compressed data; skipping zlib's second checksum saves time.
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &color_type, NULL, NULL, NULL);
    if (width == 0 || height == 0) png_error(png, "the image is empty (0 pixels wide or high)");
    if ((uint64_t)width * height > IC_MAX_PIXELS) png_error(png, "the image is too large (more than 2^28 pixels)");

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16 && IC_LITTLE_ENDIAN) png_set_swap(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if ((out_depth != 8 && out_depth != 16) || channels < 1 || channels > 4 ||
        row_bytes != (size_t)width * (size_t)channels * (size_t)(out_depth / 8)) {
        png_error(png, "unsupported PNG sample layout");
    }
    if ((size_t)height > SIZE_MAX / row_bytes) png_error(png, "the image is too large");

    pixels = (uint8_t *)malloc(row_bytes * (size_t)height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (pixels == NULL || rows == NULL) png_error(png, "out of memory for the image");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);  // checks the rest of the file up to IEND, so a cut-off file fails here

    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->bit_depth = out_depth;
    out->pixels = pixels;
    if (errlen) err[0] = 0;
    return 0;
}

int ic_png_encode(const void *pixels, int width, int height, int channels, int bit_depth, int compression,
                  uint8_t **out, size_t *out_size, char *err, size_t errlen) {
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0) {
        ic_set_error(err, errlen, "cannot write an empty image (%d x %d)", width, height);
        return -1;
    }
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        ic_set_error(err, errlen, "unsupported PNG layout: %d channels, %d bits", channels, bit_depth);
        return -1;
    }
    static const int color_types[4] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    ic_png_context ctx;
    ctx.err = err;
    ctx.errlen = errlen;
    ic_writer *writer = (ic_writer *)calloc(1, sizeof(ic_writer));
    if (writer == NULL) {
        ic_set_error(err, errlen, "out of memory");
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, ic_png_error, ic_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, &info);
        free(writer);
        ic_set_error(err, errlen, "out of memory");
        return -1;
    }
    if (setjmp(ctx.jump)) {
        png_destroy_write_struct(&png, &info);
        free(writer->data);
        free(writer);
        return -1;
    }
    png_set_write_fn(png, writer, ic_png_write_memory, ic_png_flush_memory);
    png_set_compression_level(png, compression < 0 ? 0 : compression > 9 ? 9 : compression);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, color_types[channels - 1],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth == 16 && IC_LITTLE_ENDIAN) png_set_swap(png);
    size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    const uint8_t *base = (const uint8_t *)pixels;
    for (int y = 0; y < height; y++) png_write_row(png, base + (size_t)y * row_bytes);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);

    *out = writer->data;
    *out_size = writer->size;
    free(writer);
    if (errlen) err[0] = 0;
    return 0;
}

// MARK: - JPEG

/// libjpeg's error manager extended with the jump target and the message buffer.
typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *err;
    size_t errlen;
} ic_jpeg_error_manager;

static void ic_jpeg_error_exit(j_common_ptr cinfo) {
    ic_jpeg_error_manager *manager = (ic_jpeg_error_manager *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    ic_set_error(manager->err, manager->errlen, "%s", message);
    longjmp(manager->jump, 1);
}

static void ic_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    ic_jpeg_error_manager *manager = (ic_jpeg_error_manager *)cinfo->err;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        // libjpeg pads missing data with an end marker and goes on: for us a cut-off file is an error.
        ic_set_error(manager->err, manager->errlen,
                     "the file is truncated (the JPEG data ends before the image is complete)");
        longjmp(manager->jump, 1);
    }
    cinfo->err->num_warnings++;
}

/// Fails with our own message (for conditions libjpeg has no message for).
static void ic_jpeg_fail(j_common_ptr cinfo, const char *message) {
    ic_jpeg_error_manager *manager = (ic_jpeg_error_manager *)cinfo->err;
    ic_set_error(manager->err, manager->errlen, "%s", message);
    longjmp(manager->jump, 1);
}

static void ic_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void ic_jpeg_install_errors(ic_jpeg_error_manager *manager, char *err, size_t errlen) {
    jpeg_std_error(&manager->pub);
    manager->pub.error_exit = ic_jpeg_error_exit;
    manager->pub.emit_message = ic_jpeg_emit_message;
    manager->pub.output_message = ic_jpeg_output_message;
    manager->err = err;
    manager->errlen = errlen;
}

int ic_jpeg_decode(const uint8_t *data, size_t size, ic_image *out, char *err, size_t errlen) {
    return ic_jpeg_decode_scaled(data, size, 1, out, err, errlen);
}

int ic_jpeg_decode_scaled(const uint8_t *data, size_t size, int scale_denom, ic_image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8) {
        ic_set_error(err, errlen, "the JPEG scale must be 1/1, 1/2, 1/4 or 1/8");
        return -1;
    }
    ic_set_error(err, errlen, "unknown error");
    if (size == 0) {
        ic_set_error(err, errlen, "the file is empty");
        return -1;
    }
    struct jpeg_decompress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    ic_jpeg_error_manager manager;
    ic_jpeg_install_errors(&manager, err, errlen);
    cinfo.err = &manager.pub;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile scratch = NULL;
    if (setjmp(manager.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(scratch);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    int cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; cmyk = 1; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    // libjpeg's DCT scaling: the inverse DCT itself yields the image at 1/scale_denom of its size.
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)scale_denom;
    jpeg_start_decompress(&cinfo);
    size_t width = cinfo.output_width, height = cinfo.output_height;
    int channels = cmyk ? 3 : cinfo.output_components;
    j_common_ptr common = (j_common_ptr)&cinfo;
    if (width == 0 || height == 0) ic_jpeg_fail(common, "the image is empty (0 pixels wide or high)");
    if ((uint64_t)width * height > IC_MAX_PIXELS) ic_jpeg_fail(common, "the image is too large (more than 2^28 pixels)");
    if (channels != 1 && channels != 3) ic_jpeg_fail(common, "unsupported number of colour components");
    size_t row_bytes = width * (size_t)channels;
    if (height > SIZE_MAX / row_bytes) ic_jpeg_fail(common, "the image is too large");
    pixels = (uint8_t *)malloc(row_bytes * height);
    if (pixels == NULL) ic_jpeg_fail(common, "out of memory for the image");

    if (cmyk) {
        scratch = (uint8_t *)malloc(width * 4);
        if (scratch == NULL) ic_jpeg_fail(common, "out of memory for the image");
        int inverted = cinfo.saw_Adobe_marker;  // Adobe writes CMYK inverted (0 = full ink)
        while (cinfo.output_scanline < cinfo.output_height) {
            uint8_t *row = pixels + (size_t)cinfo.output_scanline * row_bytes;
            JSAMPROW source = scratch;
            jpeg_read_scanlines(&cinfo, &source, 1);
            for (size_t x = 0; x < width; x++) {
                unsigned c = scratch[4 * x], m = scratch[4 * x + 1], yel = scratch[4 * x + 2], k = scratch[4 * x + 3];
                if (!inverted) { c = 255 - c; m = 255 - m; yel = 255 - yel; k = 255 - k; }
                row[3 * x] = (uint8_t)((c * k + 127) / 255);
                row[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
                row[3 * x + 2] = (uint8_t)((yel * k + 127) / 255);
            }
        }
    } else {
        JSAMPROW batch[16];
        while (cinfo.output_scanline < cinfo.output_height) {
            JDIMENSION first = cinfo.output_scanline;
            JDIMENSION count = cinfo.output_height - first;
            if (count > 16) count = 16;
            for (JDIMENSION i = 0; i < count; i++) batch[i] = pixels + (size_t)(first + i) * row_bytes;
            jpeg_read_scanlines(&cinfo, batch, count);
        }
    }
    jpeg_finish_decompress(&cinfo);  // reads up to the end marker: a cut-off file fails here at the latest
    jpeg_destroy_decompress(&cinfo);
    free(scratch);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->bit_depth = 8;
    out->pixels = pixels;
    if (errlen) err[0] = 0;
    return 0;
}

int ic_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                   uint8_t **out, size_t *out_size, char *err, size_t errlen) {
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0) {
        ic_set_error(err, errlen, "cannot write an empty image (%d x %d)", width, height);
        return -1;
    }
    if (width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        ic_set_error(err, errlen, "the image is too large for JPEG (at most %d pixels a side)", JPEG_MAX_DIMENSION);
        return -1;
    }
    if (channels != 1 && channels != 3) {
        ic_set_error(err, errlen, "JPEG needs 1 or 3 channels, got %d", channels);
        return -1;
    }
    struct jpeg_compress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    ic_jpeg_error_manager manager;
    ic_jpeg_install_errors(&manager, err, errlen);
    cinfo.err = &manager.pub;
    // jpeg_mem_dest updates these through their addresses; volatile keeps them valid after a longjmp.
    unsigned char *volatile buffer = NULL;
    volatile unsigned long buffer_size = 0;
    if (setjmp(manager.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, (unsigned long *)&buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = (uint8_t *)buffer;
    *out_size = (size_t)buffer_size;
    if (errlen) err[0] = 0;
    return 0;
}
