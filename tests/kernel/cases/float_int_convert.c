/* float -> int truncation, int -> float rounding of large ints (beyond 2^24). */
#include <math.h>

#pragma nsc_tune domain(x, -1000, 1000)
#pragma nsc_tune domain(big, 16770000, 16790000)
#pragma nsc_tune domain(m, -2000000000, 2000000000)

void kernel(float x, int big, int m, int iout[4], float fout[3])
{
    iout[0] = (int)x;
    iout[1] = (int)(x * 2.7f);
    int i = x;
    iout[2] = i - (int)floorf(x);
    float fb = (float)big;
    iout[3] = (int)fb - big;
    fout[0] = fb;
    fout[1] = (float)m;
    fout[2] = (float)(m / 3) * 3.0f - (float)m;
}
