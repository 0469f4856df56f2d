/* 2-D local arrays: 3x3 matrix multiply in float from const array inputs. */
#pragma nsc_tune domain(a, -2, 2)
#pragma nsc_tune domain(b, -1, 3)

void kernel(const float a[9], const double b[9], float c[9], double *trace)
{
    float A[3][3];
    double B[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            A[i][j] = a[3 * i + j];
            B[i][j] = b[3 * i + j];
        }
    float C[3][3];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            float s = 0.0f;
            for (int k = 0; k < 3; k++)
                s += A[i][k] * (float)B[k][j];
            C[i][j] = s;
        }
    }
    double tr = 0.0;
    for (int i = 0; i < 3; i++)
        tr += C[i][i] * B[i][i];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            c[3 * i + j] = C[i][j];
    *trace = tr;
}
