/* 64-bit unsigned wrap: splitmix64, an LCG, subtraction below zero. */
#include <stdint.h>

#pragma nsc_tune domain(seed, 0, 1000000000000000)
#pragma nsc_tune domain(k, 0, 100)

void kernel(uint64_t seed, int k, uint64_t out[4])
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (uint64_t)(k + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z = z ^ (z >> 31);
    out[0] = z >> 11;
    out[1] = z & 0xFFFFFFFFu;
    uint64_t small = (uint64_t)k;
    out[2] = (small - 50u) >> 40;
    uint64_t acc = seed;
    for (int i = 0; i <= k; i++)
        acc = acc * 6364136223846793005ull + 1442695040888963407ull;
    out[3] = acc >> 12;
}
