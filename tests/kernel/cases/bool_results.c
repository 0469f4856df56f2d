/* bool results and conversions to bool: any nonzero value (0.3f included) converts to true. */
#include <stdbool.h>

#pragma nsc_tune domain(x, -2, 2)
#pragma nsc_tune domain(n, -10, 10)

static bool in_unit(float v) { return v >= -1.0f && v <= 1.0f; }

bool kernel(float x, int n, bool flags[5], int *count)
{
    bool bn = n;
    float tenth = (float)n * 0.1f;
    bool bf = tenth;
    bool bi = (int)x;
    flags[0] = bn;
    flags[1] = bf;
    flags[2] = in_unit(x);
    flags[3] = !in_unit(x) || n > 5;
    flags[4] = bi;
    int c = 0;
    c += flags[0] + flags[1];
    c += (x > 0) == (n > 0);
    c += (bool)(n & 2) * 10;
    float quarter = x * 0.25f;
    c += (bool)quarter * 100;
    *count = c;
    return x > 0.5f && n != 3;
}
