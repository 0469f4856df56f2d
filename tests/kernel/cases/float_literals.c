/* 0.1f vs 0.1, float rounding of intermediate results, integer division inside float expressions. */
#pragma nsc_tune domain(x, -100, 100)
#pragma nsc_tune domain(n, -40, 40)

void kernel(float x, int n, float out[5], double dout[3])
{
    out[0] = x * 0.1f;
    out[1] = (x + 1.0e7f) - 1.0e7f;
    out[2] = x * (n / 4);
    out[3] = x / 3 + (1 / 2) * x + 1.0f / 2 * x;
    out[4] = x * x - 0.3f * x * x;
    dout[0] = x * 0.1;
    dout[1] = (double)(x * 0.1f) - x * 0.1;
    dout[2] = x * 0.1f + 0.2;
}
