// expect: RecursionNotSupportedError line 5
#pragma nsc_tune domain(n, 0, 10)

/* The self-call is on the same line as the definition. */
static int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }

int kernel(int n)
{
    return fact(n);
}
