/* 32-bit unsigned wrap: FNV-1a hash, multiply-add, subtraction below zero. */
#include <stdint.h>

#pragma nsc_tune domain(x, 0, 4000000000)
#pragma nsc_tune domain(y, 0, 1000)

uint32_t kernel(uint32_t x, unsigned y, unsigned out[4])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 4; i++) {
        h ^= (x >> (8 * i)) & 0xFFu;
        h *= 16777619u;
    }
    out[0] = y - 500u;
    out[1] = x * 2654435761u + y;
    unsigned short s = (unsigned short)x;
    out[2] = (unsigned)s * s + h;
    out[3] = (uint16_t)(s * 3) + (x - y * 7000000u);
    return h;
}
