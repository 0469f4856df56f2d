/* Local 1-D and 2-D arrays: bubble sort, Pascal's triangle, prefix sums, initialiser lists. */
#pragma nsc_tune domain(v, -10, 10)
#pragma nsc_tune domain(n, 0, 12)

void kernel(const float v[8], int n, float sorted[8], int *pascal, double *pre_out, int *hist)
{
    float a[8];
    for (int i = 0; i < 8; i++)
        a[i] = v[i];
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7 - i; j++)
            if (a[j] > a[j + 1]) {
                float tmp = a[j];
                a[j] = a[j + 1];
                a[j + 1] = tmp;
            }
    for (int i = 0; i < 8; i++)
        sorted[i] = a[i];

    int P[13][13];
    for (int i = 0; i <= n; i++) {
        P[i][0] = 1;
        P[i][i] = 1;
        for (int j = 1; j < i; j++)
            P[i][j] = P[i - 1][j - 1] + P[i - 1][j];
    }
    *pascal = P[n][n / 2];

    double pre[9];
    pre[0] = 0.0;
    for (int i = 0; i < 8; i++)
        pre[i + 1] = pre[i] + v[i] * (i + 1);
    const int perm[4] = {3, 0, 2, 1};
    *pre_out = pre[8] - pre[perm[n % 4]];

    int cnt[4] = {0};
    int M[2][2] = {{1, 2}, {3, 4}};
    for (int i = 0; i < 8; i++)
        cnt[(int)(v[i] + 10.0f) / 5 % 4] += M[i % 2][(i / 2) % 2];
    *hist = cnt[0] + 10 * cnt[1] + 100 * cnt[2] + 1000 * cnt[3];
}
