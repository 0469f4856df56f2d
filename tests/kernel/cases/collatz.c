/* while loop with a data-dependent trip count and a cap. */
#pragma nsc_tune domain(n, 1, 100000)

int kernel(long n, long *peak)
{
    int steps = 0;
    long v = n;
    long hi = n;
    while (v != 1 && steps < 300) {
        if (v % 2 == 0)
            v = v / 2;
        else
            v = 3 * v + 1;
        if (v > hi)
            hi = v;
        steps++;
    }
    *peak = hi;
    return steps;
}
