/* do-while runs at least once; continue in a do-while jumps to the condition. */
#pragma nsc_tune domain(n, -100000, 100000)
#pragma nsc_tune domain(m, 0, 50)

void kernel(int n, int m, int out[4])
{
    int v = n < 0 ? -n : n;
    int digits = 0, dsum = 0;
    do {
        dsum += v % 10;
        v /= 10;
        digits++;
    } while (v != 0);
    out[0] = digits;
    out[1] = dsum;

    int i = 0, s = 0;
    do {
        i++;
        if (i % 3 == 0)
            continue;
        s += i;
    } while (i < m);
    out[2] = s;

    int once = 0;
    do {
        once += 5;
    } while (m < 0);
    out[3] = once * 100 + i;
}
