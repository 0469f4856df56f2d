// expect: DomainError line 3
#pragma nsc_tune domain(x, -1, 1)
#pragma nsc_tune domain(z, -1, 1)

float kernel(float x)
{
    return x * 3.0f;
}
