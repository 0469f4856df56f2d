// expect: FunctionNotFoundError
#pragma nsc_tune domain(x, -1, 1)

float kernel2(float x)
{
    return x * 2.0f;
}
