/* long, short and fixed-width integer types; narrowing casts (implementation-defined for
   signed targets: gcc wraps modulo 2^N). */
#include <stdint.h>

#pragma nsc_tune domain(n, -1000000, 1000000)
#pragma nsc_tune domain(s, -30000, 30000)
#pragma nsc_tune domain(b, 0, 255)

void kernel(long n, short s, uint8_t b, int64_t i64[3], int32_t i32[4], uint16_t u16[2],
            int8_t *i8, uint64_t *u64)
{
    i64[0] = n * n * 1000;
    i64[1] = n / -7 + n % 1000;
    i64[2] = (int64_t)(int32_t)(n * 5000);
    i32[0] = s * s;
    i32[1] = (int16_t)(s * 2);
    i32[2] = (int32_t)((uint32_t)s * 100000u);
    i32[3] = b + (int8_t)b;
    u16[0] = (uint16_t)(s * 3);
    u16[1] = (uint16_t)(b << 8 | b);
    *i8 = (int8_t)(s & 0xFF);
    *u64 = ((uint64_t)n * 3000000000000ull) >> 11;
}
