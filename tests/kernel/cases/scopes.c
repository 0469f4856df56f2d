/* Block scoping and shadowing; loop variable declared outside the loop keeps its final value. */
#pragma nsc_tune domain(n, -5, 60)
#pragma nsc_tune domain(x, -2, 2)

void kernel(int n, float x, int out[3])
{
    int i = n;
    int s = 0;
    for (int i = 0; i < 3; i++) {
        s += i;
    }
    {
        int i = 100;
        s += i;
    }
    out[0] = i + s;
    float v = x;
    if (n > 0) {
        float v = 2.0f;
        x += v;
    }
    out[1] = (int)(v * 10.0f) + (int)(x * 100.0f);
    int k;
    for (k = 0; k < n; k++)
        if (k * k > n)
            break;
    out[2] = k;
}
