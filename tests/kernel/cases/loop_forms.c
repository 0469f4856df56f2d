/* Loop forms a naive range()-based translation gets wrong: the loop variable modified in the
   body, a float loop counter, a halving counter, an unsigned count-down with u-- > 0. */
#pragma nsc_tune domain(n, 0, 200)
#pragma nsc_tune domain(x, 0.05, 3)

void kernel(int n, float x, int out[4], float *fsteps)
{
    int hits = 0;
    for (int i = 0; i < n; i++) {
        if (i % 7 == 3)
            i += 2;
        hits += i;
    }
    out[0] = hits;

    int cnt = 0;
    float t;
    for (t = 0.0f; t < x; t += 0.1f)
        cnt++;
    out[1] = cnt;
    *fsteps = t;

    int halv = 0;
    for (int i = n; i > 0; i /= 2)
        halv++;
    out[2] = halv;

    unsigned acc = 0;
    for (unsigned u = (unsigned)n; u-- > 0;)
        acc += u * u;
    out[3] = (int)(acc % 100000u) + (int)(acc > 1000000u);
}
