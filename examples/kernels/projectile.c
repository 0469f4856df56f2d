/* An expensive kernel: a projectile with quadratic air drag in a steady wind, integrated with
   explicit Euler steps of 0.2 ms until it lands (about 10,000-60,000 steps per call).
   Outputs: horizontal range (m), highest point (m) and flight time (s). */
#include <math.h>

#pragma nsc_tune domain(v0, 10, 60)
#pragma nsc_tune domain(angle, 0.2, 1.3)
#pragma nsc_tune domain(drag, 0.001, 0.02)
#pragma nsc_tune domain(wind, -5, 5)
void projectile(double v0, double angle, double drag, double wind,
                double *range, double *apex, double *flight) {
    const double g = 9.81, dt = 2e-4;
    double x = 0.0, y = 0.0, t = 0.0, top = 0.0;
    double vx = v0 * cos(angle), vy = v0 * sin(angle);
    int steps = 0;
    while ((y >= 0.0 || steps == 0) && steps < 200000) {
        double rx = vx - wind;
        double speed = sqrt(rx * rx + vy * vy);
        vx -= drag * speed * rx * dt;
        vy -= (g + drag * speed * vy) * dt;
        x += vx * dt;
        y += vy * dt;
        t += dt;
        if (y > top) top = y;
        steps++;
    }
    *range = x;
    *apex = top;
    *flight = t;
}
