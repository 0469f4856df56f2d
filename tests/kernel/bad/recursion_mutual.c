// expect: RecursionNotSupportedError line 6
#pragma nsc_tune domain(x, 0, 100)

/* Both functions of the cycle sit on one line, so the reported line is unambiguous. */
static float pong(float x);
static float ping(float x) { return x > 1.0f ? pong(x * 0.5f) : x; } static float pong(float x) { return ping(x - 0.25f); }

float kernel(float x)
{
    return ping(x);
}
