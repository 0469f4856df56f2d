/*
 * kmeans: euclidean distance between an RGB pixel and an RGB centroid, the inner step of the
 * k-means image segmentation of AxBench. 6 inputs -> 1 output (Parrot MLP 6-8-4-1).
 *
 * Domain: colour channels normalised to [0, 1], as in the AxBench kernel; the distance is then
 * in [0, sqrt(3)].
 */
#include <math.h>

#pragma nsc_tune domain(r1, 0.0, 1.0)
#pragma nsc_tune domain(g1, 0.0, 1.0)
#pragma nsc_tune domain(b1, 0.0, 1.0)
#pragma nsc_tune domain(r2, 0.0, 1.0)
#pragma nsc_tune domain(g2, 0.0, 1.0)
#pragma nsc_tune domain(b2, 0.0, 1.0)

float kmeans(float r1, float g1, float b1, float r2, float g2, float b2)
{
    float dr = r1 - r2;
    float dg = g1 - g2;
    float db = b1 - b2;
    return sqrtf(dr * dr + dg * dg + db * db);
}
