/*
 * fft: the twiddle factor of the radix-2 FFT, exp(-2 pi i x) for a normalised index x = k / n.
 * AxBench / Parrot region: 1 input -> 2 outputs (Parrot MLP 1-4-4-2).
 *
 * Domain: x = k / n lies in [0, 1) for every twiddle index k of an n-point transform.
 */
#include <math.h>

#pragma nsc_tune domain(x, 0.0, 1.0)

#define TWO_PI 6.28318530717958647692f

void fft(float x, float *re, float *im)
{
    float angle = -TWO_PI * x;
    *re = cosf(angle);
    *im = sinf(angle);
}
