/*
 * jpeg: forward transform of one 8x8 block of a baseline JPEG encoder.
 * AxBench / Parrot region: 64 pixels -> 64 quantised coefficients (Parrot MLP 64-16-64).
 *
 * Steps: level shift (subtract 128), separable orthonormal 2-D DCT-II, division by the standard
 * JPEG luminance quantisation table (ITU-T T.81 Annex K, quality 50), rounding half away from zero.
 * Layout: block[8 * row + col]; out[8 * v + u], v the vertical and u the horizontal frequency.
 *
 * Domain: 8-bit grey levels in [0, 255].
 */
#include <math.h>

#pragma nsc_tune domain(block, 0.0, 255.0)

/* DCT_BASIS[8 * u + x] = c(u) * cos((2x + 1) u pi / 16), c(0) = sqrt(1/8), c(u > 0) = 1/2. */
static const float DCT_BASIS[64] = {
    +0.353553391f, +0.353553391f, +0.353553391f, +0.353553391f, +0.353553391f, +0.353553391f, +0.353553391f, +0.353553391f,
    +0.490392640f, +0.415734806f, +0.277785117f, +0.097545161f, -0.097545161f, -0.277785117f, -0.415734806f, -0.490392640f,
    +0.461939766f, +0.191341716f, -0.191341716f, -0.461939766f, -0.461939766f, -0.191341716f, +0.191341716f, +0.461939766f,
    +0.415734806f, -0.097545161f, -0.490392640f, -0.277785117f, +0.277785117f, +0.490392640f, +0.097545161f, -0.415734806f,
    +0.353553391f, -0.353553391f, -0.353553391f, +0.353553391f, +0.353553391f, -0.353553391f, -0.353553391f, +0.353553391f,
    +0.277785117f, -0.490392640f, +0.097545161f, +0.415734806f, -0.415734806f, -0.097545161f, +0.490392640f, -0.277785117f,
    +0.191341716f, -0.461939766f, +0.461939766f, -0.191341716f, -0.191341716f, +0.461939766f, -0.461939766f, +0.191341716f,
    +0.097545161f, -0.277785117f, +0.415734806f, -0.490392640f, +0.490392640f, -0.415734806f, +0.277785117f, -0.097545161f
};

static const int QUANT[64] = {
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99
};

/* Round half away from zero to an integral float. */
static float round_half_away(float q)
{
    int n = (int)(q >= 0.0f ? q + 0.5f : q - 0.5f);
    return (float)n;
}

void jpeg(const float block[64], float out[64])
{
    float rows[64];
    /* 1-D DCT of every row: rows[8 * y + u] = sum_x basis(u, x) * (block[8 * y + x] - 128). */
    for (int y = 0; y < 8; y++) {
        for (int u = 0; u < 8; u++) {
            float acc = 0.0f;
            for (int x = 0; x < 8; x++) {
                acc += DCT_BASIS[8 * u + x] * (block[8 * y + x] - 128.0f);
            }
            rows[8 * y + u] = acc;
        }
    }
    /* 1-D DCT of every column, then quantisation. */
    for (int v = 0; v < 8; v++) {
        for (int u = 0; u < 8; u++) {
            float acc = 0.0f;
            for (int y = 0; y < 8; y++) {
                acc += DCT_BASIS[8 * v + y] * rows[8 * y + u];
            }
            out[8 * v + u] = round_half_away(acc / (float)QUANT[8 * v + u]);
        }
    }
}
