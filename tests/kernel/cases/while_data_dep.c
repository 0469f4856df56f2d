/* Euclid with C's % on negative operands (the gcd can come out negative), bisection to a
   tolerance. */
#pragma nsc_tune domain(a, -5000, 5000)
#pragma nsc_tune domain(b, 1, 5000)
#pragma nsc_tune domain(c, 0.1, 50)

void kernel(int a, int b, double c, int iout[2], double *root)
{
    int x = a, y = b;
    int steps = 0;
    while (y != 0) {
        int t = x % y;
        x = y;
        y = t;
        steps++;
    }
    iout[0] = x;
    iout[1] = steps;
    double lo = 0.0, hi = c;
    while (hi - lo > 1e-9) {
        double mid = 0.5 * (lo + hi);
        if (mid * mid * mid + mid > c)
            hi = mid;
        else
            lo = mid;
    }
    *root = 0.5 * (lo + hi);
}
