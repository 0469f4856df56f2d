// expect: UnsupportedConstructError line 7
#pragma nsc_tune domain(x, -1, 1)
#pragma nsc_tune domain(y, -1, 1)

float kernel(float x, float y)
{
    struct { float a; float b; } p;
    p.a = x;
    p.b = y;
    return p.a * p.b;
}
