/* static helpers: several levels, a void helper writing an array parameter,
   a helper reading a const array, early returns inside helpers. */
#include <math.h>

#pragma nsc_tune domain(x, -3, 3)
#pragma nsc_tune domain(y, 0.5, 4)

static float sq(float v) { return v * v; }

static float norm2(float a, float b) { return sqrtf(sq(a) + sq(b)); }

static double level3(double t) { return norm2((float)t, 1.0f) * t; }

static void fill(float v[3], float a, float b)
{
    v[0] = a + b;
    v[1] = norm2(a, b);
    v[2] = sq(a - b);
}

static int sign_of(double v)
{
    if (v > 0)
        return 1;
    if (v < 0)
        return -1;
    return 0;
}

static float sum3(const float v[3])
{
    float s = 0.0f;
    for (int i = 0; i < 3; i++)
        s += v[i];
    return s;
}

static int first_above(const float v[3], float t)
{
    for (int i = 0; i < 3; i++)
        if (v[i] > t)
            return i;
    return -1;
}

double kernel(float x, float y, float out[3], int *sgn, int *idx)
{
    fill(out, x, y);
    float local[3];
    fill(local, y, x);
    *sgn = sign_of(x * y - 1.0) + 3 * sign_of(level3(x));
    *idx = first_above(local, 2.0f * x);
    return level3(x) + sum3(local);
}
