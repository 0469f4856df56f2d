/*
 * inversek2j: inverse kinematics of a planar 2-joint arm with links l1 = l2 = 0.5.
 * AxBench / Parrot region: target (x, y) -> joint angles (theta1, theta2), Parrot MLP 2-8-2.
 *
 * theta2 (the elbow, in [0, pi]) comes from the law of cosines; theta1 (the shoulder) is the
 * target's bearing minus the angle the forearm adds. The acos argument is clamped into [-1, 1],
 * so targets out of reach (or rounding just outside) give the fully stretched arm, never NaN.
 *
 * Domain: AxBench draws joint angles in [0, pi/2] and runs the forward kinematics, so its targets
 * cover x in [-0.5, 1], y in [0, 1] inside the unit disc. A box of independent coordinates must
 * stay reachable (radius <= l1 + l2 = 1): x in [-0.5, 0.7], y in [0, 0.7] has corner radius at
 * most 0.99.
 */
#include <math.h>

#pragma nsc_tune domain(x, -0.5, 0.7)
#pragma nsc_tune domain(y, 0.0, 0.7)

#define L1 0.5f
#define L2 0.5f

void inversek2j(float x, float y, float *theta1, float *theta2)
{
    float c2 = (x * x + y * y - L1 * L1 - L2 * L2) / (2.0f * L1 * L2);
    if (c2 > 1.0f) {
        c2 = 1.0f;
    } else if (c2 < -1.0f) {
        c2 = -1.0f;
    }
    float elbow = acosf(c2);
    float shoulder = atan2f(y, x) - atan2f(L2 * sinf(elbow), L1 + L2 * cosf(elbow));
    *theta1 = shoulder;
    *theta2 = elbow;
}
