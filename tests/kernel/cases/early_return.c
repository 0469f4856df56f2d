/* return from inside nested loops of the kernel itself; outputs written before returning stay. */
#pragma nsc_tune domain(x, -5, 5)
#pragma nsc_tune domain(n, 0, 50)

int kernel(float x, int n, float *y, int *visits)
{
    *y = x;
    *visits = 0;
    if (x < -4.0f)
        return -1;
    for (int i = 0; i < n; i++) {
        *y = *y * 0.9f + 0.5f;
        for (int j = 0; j < 3; j++) {
            *visits += 1;
            if (*y > 4.0f + j)
                return i * 10 + j;
        }
    }
    return 1000 + n;
}
