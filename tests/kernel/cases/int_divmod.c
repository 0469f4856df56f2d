/* Integer division truncates toward zero; the sign of % follows the dividend. */
#pragma nsc_tune domain(a, -1000, 1000)
#pragma nsc_tune domain(b, -50, 50)

unsigned kernel(int a, int b, int out[6])
{
    int d = (b == 0) ? 7 : b;
    out[0] = a / d;
    out[1] = a % d;
    out[2] = a / 7;
    out[3] = a % -7;
    out[4] = (a / d) * d + a % d - a + (a / 2) * 3;
    long la = (long)a * 1000003L;
    out[5] = (int)(la / -13L % 1000L);
    unsigned ad = (unsigned)(d < 0 ? -d : d);
    return (unsigned)a / ad;
}
