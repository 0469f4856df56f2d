/* Logical && / || short-circuit: the right operand must not be evaluated (it would divide by 0). */
#pragma nsc_tune domain(a, -100, 100)
#pragma nsc_tune domain(b, -3, 3)
#pragma nsc_tune domain(x, -1, 1)

void kernel(int a, int b, float x, int out[5], float *y)
{
    out[0] = b != 0 && a / b > 2;
    out[1] = b == 0 || a % b == 1;
    out[2] = (a > 0 && b > 0) || (a < 0 && !(b < 0));
    out[3] = b ? a / b : -12345;
    int t = 0;
    if (b != 0 && (a % b) != 0 && a / b < 5)
        t = 1;
    out[4] = t + (!a) * 2 + (!!b) * 4;
    *y = (x > 0.1f || x < -0.1f) && 1.0f / x > 2.0f ? 1.0f / x : x;
}
