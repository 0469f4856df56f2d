/* Shifts (>> of negative ints is arithmetic on gcc), ~, ^, |, &, rotate, popcount. */
#include <stdint.h>

#pragma nsc_tune domain(a, -100000, 100000)
#pragma nsc_tune domain(b, 0, 4000000000)
#pragma nsc_tune domain(r, 0, 31)

void kernel(int a, uint32_t b, int r, int iout[6], uint32_t uout[5])
{
    iout[0] = a >> 3;
    iout[1] = a >> (r & 15);
    iout[2] = ~a;
    iout[3] = a ^ 0x5A5A;
    iout[4] = (a | 0xF0) & ~0x3;
    iout[5] = -a & a;
    uout[0] = b << (r & 7);
    uout[1] = (b << r) | (b >> ((32 - r) & 31));
    unsigned c = 0;
    for (uint32_t v = b; v; v &= v - 1)
        c++;
    uout[2] = c;
    uout[3] = (uint32_t)a >> 28;
    uout[4] = ~b ^ (b >> 16);
}
