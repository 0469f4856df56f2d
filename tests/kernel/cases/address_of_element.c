/* &a[i] and &m[i][j] passed to helpers that write through the pointer, inside loops. */
#pragma nsc_tune domain(x, -3, 3)
#pragma nsc_tune domain(n, 1, 6)

static void put2(float *dst, float v) { dst[0] = v; dst[1] = v * 0.5f; }
static void bump(int *p) { *p += 1; }

void kernel(float x, int n, float out[8], int counts[4])
{
    float m[2][4] = {{0}};
    for (int i = 0; i < 3; i++) {
        put2(&out[2 * i], x + (float)i);
    }
    for (int k = 0; k < 4 * n + 1; k++) bump(&counts[(k * 3 + n) % 4]);
    put2(&m[1][2], x * x);
    out[6] = m[1][2] + m[1][3];
    out[7] = m[0][0] - x;
}
