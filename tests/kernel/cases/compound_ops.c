/* Every compound assignment operator, pre/post ++ and -- (also on float and on unsigned 0). */
#pragma nsc_tune domain(n, -500, 500)
#pragma nsc_tune domain(x, -3, 3)

void kernel(int n, float x, int iout[5], unsigned *uout, float *fout)
{
    int a = n;
    a += 7;
    a -= 3;
    a *= 3;
    a /= -4;
    a %= 9;
    iout[0] = a;

    unsigned b = (unsigned)n;
    b <<= 3;
    b >>= 1;
    b &= 0xFFFF0u;
    b |= 5u;
    b ^= 0xAAAAu;
    *uout = b;

    int c = n;
    c >>= 2;
    c ^= 0x55;
    c |= 0x100;
    c &= ~0x10;
    iout[1] = c;

    int i = 0, j = 5;
    int arr[8];
    for (int k = 0; k < 8; k++)
        arr[k] = 0;
    arr[i++] = n;
    arr[i++] = ++j;
    arr[++i] = j--;
    iout[2] = arr[0] + arr[1] * 10 + arr[2] * 50 + arr[3] * 100 + i * 1000 + j * 10000;

    unsigned z = 0u;
    z--;
    iout[3] = (int)(z >> 4) - n;

    float g = x;
    g++;
    g *= 2;
    g--;
    g /= 3;
    *fout = g;

    int m = n;
    int post = m++;
    int pre = ++m;
    iout[4] = post * 3 + pre + m--;
}
