// expect: UnsupportedConstructError line 8
#pragma nsc_tune domain(x, -1, 1)
#pragma nsc_tune domain(y, -1, 1)
/* a local struct is split into its fields; one used whole (here by sizeof) cannot be */

float kernel(float x, float y)
{
    struct { float a; float b; } p;
    p.a = x;
    p.b = y;
    return p.a * p.b + (float)sizeof(p);
}
