// expect: UnboundedPointerError line 5
#pragma nsc_tune domain(p, -1, 1)
#pragma nsc_tune domain(n, 1, 8)

float kernel(const float *p,
             int n)
{
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        s += p[i];
    return s;
}
