/* Implicit conversions on assignment and narrowing compound assignments. */
#pragma nsc_tune domain(d, -1000, 1000)
#pragma nsc_tune domain(n, -100000, 100000)

void kernel(double d, int n, float fo[4], int io[4], unsigned *uo)
{
    float f = d;
    int i = f;
    i *= 2.5;
    int j = n;
    j /= 3;
    j -= 0.5;
    int k = n;
    k %= 7;
    k += 1.9f;
    float g0 = (float)(d * 1e-3);
    float g = g0;
    g += 1e-8;
    float h = 1.0f;
    h += d;
    fo[0] = f;
    fo[1] = g - g0;
    fo[2] = f * 3 - (float)(d * 3);
    fo[3] = h;
    io[0] = i;
    io[1] = j;
    io[2] = k;
    short sh = n;
    io[3] = sh;
    *uo = n;
}
