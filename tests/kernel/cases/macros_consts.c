/* #define constants and function-like macros, M_PI, limits.h and float.h constants. */
#include <float.h>
#include <limits.h>
#include <math.h>

#define N 5
#define SQR(v) ((v) * (v))
#define CLAMP(v, lo, hi) ((v) < (lo) ? (lo) : ((v) > (hi) ? (hi) : (v)))
#define SCALE 2.5f
#define HALF(v) ((v) / 2)

#pragma nsc_tune domain(x, -4, 4)
#pragma nsc_tune domain(n, -1000, 1000)

void kernel(float x, int n, double dout[3], float fout[3], int iout[4], unsigned *u)
{
    dout[0] = x * M_PI;
    dout[1] = SQR(x + 1) * N;
    dout[2] = CLAMP(x * SCALE, -M_PI, M_PI);
    fout[0] = (float)M_PI * x;
    fout[1] = x + FLT_EPSILON * x;
    fout[2] = x * FLT_MAX * 1e-38f;
    iout[0] = INT_MAX - (n < 0 ? -n : n);
    iout[1] = HALF(n) + HALF(-7);
    iout[2] = (x > FLT_EPSILON) + (fabs(x) < DBL_EPSILON) + (n > SHRT_MAX) + (n < CHAR_BIT) * 4;
    iout[3] = INT_MIN + 1000 + n;
    *u = (unsigned)INT_MAX + (unsigned)n + UINT_MAX;
}
