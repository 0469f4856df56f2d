/* abs() on int (declared in stdlib.h). */
#include <stdlib.h>

#pragma nsc_tune domain(n, -1000, 1000)
#pragma nsc_tune domain(m, -7, 7)

int kernel(int n, int m)
{
    return abs(n) * 100 + abs(n / 3 - m) - abs(m % 4);
}
