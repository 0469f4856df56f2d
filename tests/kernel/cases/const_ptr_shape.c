/* const pointer input sized by a shape pragma. */
#include <math.h>

#pragma nsc_tune shape(p, 16)
#pragma nsc_tune domain(p, -5, 5)
#pragma nsc_tune domain(scale, 0.5, 2)

float kernel(const float *p, float scale, int *argmax, double *l2)
{
    float best = p[0];
    int bi = 0;
    double ss = 0.0;
    float dot = 0.0f;
    for (int i = 0; i < 16; i++) {
        if (p[i] > best) {
            best = p[i];
            bi = i;
        }
        ss += (double)p[i] * p[i];
        dot += p[i] * scale * (i - 7.5f);
    }
    *argmax = bi;
    *l2 = sqrt(ss);
    return dot;
}
