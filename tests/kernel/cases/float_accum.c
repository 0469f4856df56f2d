/* float32 accumulation differs from double; Kahan compensation only works in float. */
#pragma nsc_tune domain(n, 1, 3000)
#pragma nsc_tune domain(step, 0.01, 0.3)

void kernel(int n, float step, float *fsum, double *diff, float *kahan)
{
    float s = 0.0f;
    double d = 0.0;
    float ks = 0.0f, c = 0.0f;
    for (int i = 0; i < n; i++) {
        s += 0.1f;
        s += step;
        d += 0.1f;
        d += step;
        float yk = (step * (float)(i % 5) + 0.1f) - c;
        float t = ks + yk;
        c = (t - ks) - yk;
        ks = t;
    }
    *fsum = s;
    *diff = (double)s - d;
    *kahan = c + ks * 1e-9f;
}
