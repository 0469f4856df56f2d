/* Newton iterations until a tolerance (double sqrt, float cube root); iteration counts are exact. */
#include <math.h>

#pragma nsc_tune domain(a, 0.001, 1000)
#pragma nsc_tune domain(b, -50, 50)

void kernel(double a, float b, double *root, float *croot, int iters[2])
{
    double x = a > 1.0 ? a : 1.0;
    int it = 0;
    while (fabs(x * x - a) > 1e-12 * a && it < 100) {
        x = 0.5 * (x + a / x);
        it++;
    }
    *root = x;
    iters[0] = it;

    float y = fabsf(b) > 1.0f ? b : copysignf(1.0f, b);
    float dy;
    int jt = 0;
    do {
        dy = (y * y * y - b) / (3.0f * y * y);
        y -= dy;
        jt++;
    } while (fabsf(dy) > 1e-6f * fabsf(y) && jt < 60);
    *croot = y;
    iters[1] = jt;
}
