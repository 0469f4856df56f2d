/* Global const scalars and lookup tables: int and float, 1-D and 2-D, an unsized table. */
#pragma nsc_tune domain(i, -20, 20)
#pragma nsc_tune domain(t, 0, 3)
#pragma nsc_tune domain(u, 0, 2)

static const int PRIMES[8] = {2, 3, 5, 7, 11, 13, 17, 19};
const float WEIGHTS[5] = {0.5f, -1.25f, 2.0f, 0.1f, 3.75f};
static const double GRID[3][4] = {
    {0.0, 1.0, 4.0, 9.0},
    {1.0, 2.0, 5.0, 10.0},
    {-1.0, 0.5, 0.25, 0.125},
};
static const int MAP2[2][3] = {{1, -2, 3}, {-4, 5, -6}};
static const unsigned char BYTES[] = {250, 251, 252, 253};
static const float SCALE = 1.5f;
const int OFFSET = -7;

void kernel(int i, float t, double u, int iout[3], float *w, double *g)
{
    int idx = i % 8;
    if (idx < 0)
        idx += 8;
    iout[0] = PRIMES[idx] * i + OFFSET;
    iout[1] = MAP2[i & 1][(i < 0 ? -i : i) % 3];
    iout[2] = BYTES[idx & 3] + 10;

    int k = (int)t;
    if (k > 3)
        k = 3;
    float fr = t - k;
    *w = (WEIGHTS[k] * (1.0f - fr) + WEIGHTS[k + 1] * fr) * SCALE;

    int r = (int)u;
    if (r > 1)
        r = 1;
    double fu = u - r;
    int c = k > 2 ? 2 : k;
    double fc = t - c;
    *g = GRID[r][c] * (1 - fu) * (1 - fc) + GRID[r + 1][c] * fu * (1 - fc)
         + GRID[r][c + 1] * (1 - fu) * fc + GRID[r + 1][c + 1] * fu * fc;
}
