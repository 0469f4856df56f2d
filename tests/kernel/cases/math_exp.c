/* math.h hyperbolic and exponential functions, double and float forms; expm1 on tiny inputs. */
#include <math.h>

#pragma nsc_tune domain(x, -20, 20)
#pragma nsc_tune domain(t, -0.00001, 0.00001)
#pragma nsc_tune domain(xf, -20, 20)

void kernel(double x, double t, float xf, double d[7], float f[7])
{
    d[0] = sinh(x);
    d[1] = cosh(x);
    d[2] = tanh(x);
    d[3] = exp(x);
    d[4] = exp2(x);
    d[5] = expm1(x);
    d[6] = expm1(t);
    f[0] = sinhf(xf);
    f[1] = coshf(xf);
    f[2] = tanhf(xf);
    f[3] = expf(xf);
    f[4] = exp2f(xf);
    f[5] = expm1f(xf);
    f[6] = expm1f((float)t);
}
