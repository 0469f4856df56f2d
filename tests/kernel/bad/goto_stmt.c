// expect: GotoNotSupportedError line 9
#pragma nsc_tune domain(x, -1, 1)

float kernel(float x)
{
    float y = x;
    for (int i = 0; i < 10; i++) {
        if (y > 2.0f)
            goto done;
        y = y * 1.5f + 0.1f;
    }
done:
    return y;
}
