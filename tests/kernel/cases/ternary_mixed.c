/* Ternaries whose operands have different types: the result has the common type. */
#pragma nsc_tune domain(x, -5, 5)
#pragma nsc_tune domain(n, -10, 10)

void kernel(float x, int n, double dout[3], int iout[3], unsigned *u, long *l)
{
    dout[0] = x > 0 ? 1 : 2.5f;
    dout[1] = n > 0 ? n : 0.5;
    dout[2] = n > 2 ? x : n;
    iout[0] = n > 0 ? 3.7 : -3.7;
    iout[1] = (n > 0 ? -1 : 1u) / 2u;
    iout[2] = x < -1 ? -1 : x > 1 ? 1 : 0;
    *u = n > 0 ? -1 : 1u;
    *l = n > 0 ? -1 : 1u;
}
