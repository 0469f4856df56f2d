/*
 * jmeint: do two triangles in 3-D space intersect? The collision test of AxBench's jMonkeyEngine
 * kernel. 18 inputs (two triangles, 3 vertices x 3 coordinates each, t[3 * vertex + axis])
 * -> 2 outputs, one-hot as in AxBench: out[0] = 1 when they intersect, out[1] = 1 when they do
 * not (Parrot MLP 18-32-8-2).
 *
 * Method (after Moller, "A fast triangle-triangle intersection test", 1997): reject when one
 * triangle lies strictly on one side of the other's plane; otherwise both triangles cut the line
 * where the two planes meet, each in an interval, and they intersect exactly when the two
 * intervals overlap. Coplanar triangles are tested in 2-D (edge crossings, then containment).
 *
 * Domain: vertex coordinates in the unit cube [0, 1].
 */
#include <math.h>

#pragma nsc_tune domain(t1, 0.0, 1.0)
#pragma nsc_tune domain(t2, 0.0, 1.0)

#define PLANE_EPS 1e-6f

static float dot3(const float a[3], const float b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void cross3(const float a[3], const float b[3], float r[3])
{
    r[0] = a[1] * b[2] - a[2] * b[1];
    r[1] = a[2] * b[0] - a[0] * b[2];
    r[2] = a[0] * b[1] - a[1] * b[0];
}

/* Plane of triangle t: fills the normal n and returns d such that n . p + d = 0 on the plane. */
static float plane(const float t[9], float n[3])
{
    float e1[3];
    float e2[3];
    float p0[3];
    for (int k = 0; k < 3; k++) {
        p0[k] = t[k];
        e1[k] = t[3 + k] - t[k];
        e2[k] = t[6 + k] - t[k];
    }
    cross3(e1, e2, n);
    return -dot3(n, p0);
}

/* Signed distances of t's vertices to the plane (n, d), tiny ones snapped to 0.
 * Returns 1 when all three are nonzero with the same sign (no contact possible). */
static int one_side(const float t[9], const float n[3], float d, float dist[3])
{
    float p[3];
    for (int i = 0; i < 3; i++) {
        p[0] = t[3 * i];
        p[1] = t[3 * i + 1];
        p[2] = t[3 * i + 2];
        dist[i] = dot3(n, p) + d;
        if (fabsf(dist[i]) < PLANE_EPS) {
            dist[i] = 0.0f;
        }
    }
    return dist[0] * dist[1] > 0.0f && dist[0] * dist[2] > 0.0f;
}

/* Interval cut on the plane-plane line when vertex a (projection pa, distance da) is alone on its
 * side and b, c are on the other side (or on the plane). */
static void cut(float pa, float pb, float pc, float da, float db, float dc, float iv[2])
{
    iv[0] = pa + (pb - pa) * da / (da - db);
    iv[1] = pa + (pc - pa) * da / (da - dc);
    if (iv[0] > iv[1]) {
        float tmp = iv[0];
        iv[0] = iv[1];
        iv[1] = tmp;
    }
}

/* Interval of a triangle on the plane-plane line; returns 0 when the triangle is coplanar. */
static int interval(const float p[3], const float d[3], float iv[2])
{
    if (d[0] * d[1] > 0.0f) {
        cut(p[2], p[0], p[1], d[2], d[0], d[1], iv);
    } else if (d[0] * d[2] > 0.0f) {
        cut(p[1], p[0], p[2], d[1], d[0], d[2], iv);
    } else if (d[1] * d[2] > 0.0f || d[0] != 0.0f) {
        cut(p[0], p[1], p[2], d[0], d[1], d[2], iv);
    } else if (d[1] != 0.0f) {
        cut(p[1], p[0], p[2], d[1], d[0], d[2], iv);
    } else if (d[2] != 0.0f) {
        cut(p[2], p[0], p[1], d[2], d[0], d[1], iv);
    } else {
        return 0;
    }
    return 1;
}

/* Orientation of c relative to the directed line a -> b in 2-D (twice the signed area). */
static float orient(float ax, float ay, float bx, float by, float cx, float cy)
{
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/* Do edge (i, j) of 2-D triangle a and edge (k, l) of 2-D triangle b touch? */
static int edges_touch(const float a[6], int i, int j, const float b[6], int k, int l)
{
    float o1 = orient(a[2 * i], a[2 * i + 1], a[2 * j], a[2 * j + 1], b[2 * k], b[2 * k + 1]);
    float o2 = orient(a[2 * i], a[2 * i + 1], a[2 * j], a[2 * j + 1], b[2 * l], b[2 * l + 1]);
    float o3 = orient(b[2 * k], b[2 * k + 1], b[2 * l], b[2 * l + 1], a[2 * i], a[2 * i + 1]);
    float o4 = orient(b[2 * k], b[2 * k + 1], b[2 * l], b[2 * l + 1], a[2 * j], a[2 * j + 1]);
    if (o1 == 0.0f && o2 == 0.0f) {
        /* collinear: the segments touch when their bounding boxes overlap */
        for (int c = 0; c < 2; c++) {
            float amin = fminf(a[2 * i + c], a[2 * j + c]);
            float amax = fmaxf(a[2 * i + c], a[2 * j + c]);
            float bmin = fminf(b[2 * k + c], b[2 * l + c]);
            float bmax = fmaxf(b[2 * k + c], b[2 * l + c]);
            if (amax < bmin || bmax < amin) {
                return 0;
            }
        }
        return 1;
    }
    return o1 * o2 <= 0.0f && o3 * o4 <= 0.0f;
}

/* Is the 2-D point (px, py) inside (or on) the 2-D triangle t? */
static int inside(float px, float py, const float t[6])
{
    float s0 = orient(t[0], t[1], t[2], t[3], px, py);
    float s1 = orient(t[2], t[3], t[4], t[5], px, py);
    float s2 = orient(t[4], t[5], t[0], t[1], px, py);
    return (s0 >= 0.0f && s1 >= 0.0f && s2 >= 0.0f) || (s0 <= 0.0f && s1 <= 0.0f && s2 <= 0.0f);
}

/* Intersection test of two coplanar triangles with common normal n, in the axis plane that
 * drops n's largest component. */
static int coplanar(const float n[3], const float t1[9], const float t2[9])
{
    float ax = fabsf(n[0]);
    float ay = fabsf(n[1]);
    float az = fabsf(n[2]);
    int u = 0;
    int v = 1;
    if (ax >= ay && ax >= az) {
        u = 1;
        v = 2;
    } else if (ay >= az) {
        u = 0;
        v = 2;
    }
    float a[6];
    float b[6];
    for (int i = 0; i < 3; i++) {
        a[2 * i] = t1[3 * i + u];
        a[2 * i + 1] = t1[3 * i + v];
        b[2 * i] = t2[3 * i + u];
        b[2 * i + 1] = t2[3 * i + v];
    }
    for (int e = 0; e < 3; e++) {
        for (int f = 0; f < 3; f++) {
            if (edges_touch(a, e, (e + 1) % 3, b, f, (f + 1) % 3)) {
                return 1;
            }
        }
    }
    return inside(a[0], a[1], b) || inside(b[0], b[1], a);
}

void jmeint(const float t1[9], const float t2[9], float out[2])
{
    float n1[3];
    float n2[3];
    float dist1[3];
    float dist2[3];
    float line[3];
    float p1[3];
    float p2[3];
    float iv1[2];
    float iv2[2];
    int hit = 0;

    float d2 = plane(t2, n2);
    if (!one_side(t1, n2, d2, dist1)) {
        float d1 = plane(t1, n1);
        if (!one_side(t2, n1, d1, dist2)) {
            /* project both triangles on the axis closest to the plane-plane line */
            cross3(n1, n2, line);
            int axis = 0;
            if (fabsf(line[1]) > fabsf(line[axis])) {
                axis = 1;
            }
            if (fabsf(line[2]) > fabsf(line[axis])) {
                axis = 2;
            }
            for (int i = 0; i < 3; i++) {
                p1[i] = t1[3 * i + axis];
                p2[i] = t2[3 * i + axis];
            }
            if (interval(p1, dist1, iv1) && interval(p2, dist2, iv2)) {
                hit = !(iv1[1] < iv2[0] || iv2[1] < iv1[0]);
            } else {
                hit = coplanar(n1, t1, t2);
            }
        }
    }
    out[0] = hit ? 1.0f : 0.0f;
    out[1] = 1.0f - out[0];
}
