/* Helpers taking a pointer to a local RNG state: next(&state), passed down two levels. */
#include <stdint.h>

#pragma nsc_tune domain(seed, 1, 4000000000)
#pragma nsc_tune domain(n, 1, 64)

static unsigned next(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t v = *s;
    v ^= v << 13;
    v ^= v >> 17;
    v ^= v << 5;
    *s = v;
    return v;
}

static float uniform(unsigned *s) { return (next(s) >> 8) * (1.0f / 16777216.0f); }

void kernel(unsigned seed, int n, float *mean, unsigned *state, uint32_t *xs)
{
    unsigned st = seed;
    uint32_t x = seed | 1u;
    float acc = 0.0f;
    for (int i = 0; i < n; i++) {
        acc += uniform(&st);
        xorshift(&x);
    }
    unsigned extra = next(&st) % 7u;
    *mean = acc / n;
    *state = st + extra;
    *xs = x;
}
