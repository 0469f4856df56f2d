/* Usual arithmetic conversions: int vs unsigned compares as unsigned (-1 < 1u is false),
   long vs unsigned int compares as signed long on LP64. */
#pragma nsc_tune domain(a, -100, 100)
#pragma nsc_tune domain(u, 0, 100)

void kernel(int a, unsigned u, int out[6], unsigned uout[2])
{
    out[0] = a < u;
    out[1] = a < (int)u;
    out[2] = a < 1u;
    long l = a;
    out[3] = l < u;
    out[4] = (a + u) > 50u;
    out[5] = (-1 < 1u) * 10 + (a >= -u);
    uout[0] = a + u;
    uout[1] = (unsigned)a / 2u + (unsigned)(a / 2);
}
