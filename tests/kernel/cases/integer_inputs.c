/* Integer-typed inputs of many C types (unsigned char, short, bool, int8_t, uint16_t,
   unsigned long, char) converted from the float64 batch. */
#include <stdbool.h>
#include <stdint.h>

#pragma nsc_tune domain(uc, 0, 255)
#pragma nsc_tune domain(sh, -32768, 32767)
#pragma nsc_tune domain(flag, 0, 1)
#pragma nsc_tune domain(i8, -128, 127)
#pragma nsc_tune domain(u16, 0, 65535)
#pragma nsc_tune domain(ul, 0, 100000000000)
#pragma nsc_tune domain(ch, -100, 100)

long kernel(unsigned char uc, short sh, bool flag, int8_t i8, uint16_t u16, unsigned long ul,
            char ch, int out[3])
{
    out[0] = uc - 256 + sh;
    out[1] = flag ? i8 * u16 : ch - i8;
    out[2] = (int)(((unsigned)u16 * u16) >> 4);
    return (long)(ul % 1000003ul) - sh * (long)uc;
}
