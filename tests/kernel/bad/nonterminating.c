// expect: NonTerminationError line 6
#pragma nsc_tune domain(x, 0, 1)

float kernel(float x)
{
    while (x > -2.0f) {
        x = x * 1.0f;
    }
    return x;
}
