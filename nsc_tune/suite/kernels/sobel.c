/*
 * sobel: gradient magnitude of a 3x3 window (row-major, w[3 * row + col]) with the Sobel
 * operator, the per-pixel region of AxBench's edge detector. 9 inputs -> 1 output
 * (Parrot MLP 9-8-1).
 *
 * As in AxBench, the magnitude sqrt(gx^2 + gy^2) is saturated: when it reaches
 * 256 / sqrt(256^2 + 256^2) = 1/sqrt(2) it is replaced by 255 / sqrt(256^2 + 256^2) (~0.7043),
 * the value that the AxBench image writer (scale sqrt(2) * 256) maps to pixel 255.
 *
 * Domain: grey levels normalised to [0, 1], as in AxBench.
 */
#include <math.h>

#pragma nsc_tune domain(w, 0.0, 1.0)

#define SOBEL_LIMIT 0.70710678f     /* 256 / sqrt(256 * 256 + 256 * 256) */
#define SOBEL_SATURATED 0.70434465f /* 255 / sqrt(256 * 256 + 256 * 256) */

static const float KX[9] = {
    -1.0f, 0.0f, 1.0f,
    -2.0f, 0.0f, 2.0f,
    -1.0f, 0.0f, 1.0f
};

static const float KY[9] = {
    -1.0f, -2.0f, -1.0f,
     0.0f,  0.0f,  0.0f,
     1.0f,  2.0f,  1.0f
};

float sobel(const float w[9])
{
    float gx = 0.0f;
    float gy = 0.0f;
    for (int i = 0; i < 9; i++) {
        gx += KX[i] * w[i];
        gy += KY[i] * w[i];
    }
    float s = sqrtf(gx * gx + gy * gy);
    if (s >= SOBEL_LIMIT) {
        s = SOBEL_SATURATED;
    }
    return s;
}
