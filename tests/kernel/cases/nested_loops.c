/* Nested loops with break/continue; continue in a for loop must still run the increment. */
#pragma nsc_tune domain(n, 2, 400)
#pragma nsc_tune domain(m, 1, 30)

void kernel(int n, int m, int out[6])
{
    int primes = 0;
    for (int p = 2; p <= n; p++) {
        int is_prime = 1;
        for (int q = 2; q * q <= p; q++) {
            if (p % q == 0) {
                is_prime = 0;
                break;
            }
        }
        if (!is_prime)
            continue;
        primes++;
    }
    out[0] = primes;

    int s = 0;
    for (int i = 0; i < m; i++) {
        if (i % 3 == 0)
            continue;
        for (int j = i; j < m; j += 2) {
            if (j > 2 * i + 5)
                break;
            if ((i + j) % 4 == 1)
                continue;
            s += i * j;
        }
    }
    out[1] = s;

    int i = 0, t = 0;
    while (i < m) {
        i++;
        if (i % 2)
            continue;
        t += i;
        if (t > 3 * n)
            break;
    }
    out[2] = t;
    out[3] = i;

    int a = 0, b = n;
    for (;;) {
        if (a >= b)
            break;
        a += 3;
        b -= 2;
    }
    out[4] = a * 1000 + b;

    int found = -1;
    for (int r = 1; r < m && found < 0; r++)
        for (int c = 1; c <= r; c++)
            if (r * c == n % 50) {
                found = r * 100 + c;
                break;
            }
    out[5] = found;
}
