"""Tuning problems with 4-6 inputs for benchmarks/tuning.py (issue 18): C kernels and objectives.

pidf: a PID with a filtered derivative on the saturated, lagged plant of ``pid``, cost ISE plus
control effort (4-D). sallen: a unity-gain Sallen-Key low-pass (R1, R2, C1, C2) -> (f0, Q),
objective: f0 = 1 kHz and Q = 0.707 with the least capacitance (4-D, two outputs). horizon: a
look-ahead controller for a double integrator with an integer horizon (4-D, one int). beam6: a
cantilever of six segment heights, volume with deflection and stress limits as penalties (6-D,
three outputs).
"""

from __future__ import annotations

import math

import torch

PIDF_C = r"""
/* PID with a first-order derivative filter (time constant tf) on the plant of pid_ise:
 * actuator lag 0.5 s, saturation +-5, y'' + 1.2 y' + 4 y = 4 a; 8 s at dt = 0.01.
 * Output: ISE + 0.002 * integral of u^2 (effort). */
#pragma nsc_tune domain(kp, 0.0, 10.0)
#pragma nsc_tune domain(ki, 0.0, 5.0)
#pragma nsc_tune domain(kd, 0.0, 5.0)
#pragma nsc_tune domain(tf, 0.01, 0.5)

float pidf_cost(float kp, float ki, float kd, float tf)
{
    float y = 0.0f, v = 0.0f, a = 0.0f, integral = 0.0f, d = 0.0f, prev = 1.0f, cost = 0.0f;
    float dt = 0.01f;
    for (int i = 0; i < 800; i++) {
        float e = 1.0f - y;
        integral = integral + e * dt;
        d = d + dt * ((e - prev) / dt - d) / (tf + dt);
        prev = e;
        float u = kp * e + ki * integral + kd * d;
        if (u > 5.0f) {
            u = 5.0f;
        }
        if (u < -5.0f) {
            u = -5.0f;
        }
        a = a + dt * (u - a) / 0.5f;
        v = v + dt * (4.0f * (a - y) - 1.2f * v);
        y = y + dt * v;
        cost = cost + (e * e + 0.002f * u * u) * dt;
    }
    return cost;
}
"""

SALLEN_C = r"""
/* Unity-gain Sallen-Key low-pass: resistors in kilo-ohms, capacitors in nanofarads. */
#include <math.h>
#pragma nsc_tune domain(r1, 1.0, 100.0)
#pragma nsc_tune domain(r2, 1.0, 100.0)
#pragma nsc_tune domain(c1, 1.0, 100.0)
#pragma nsc_tune domain(c2, 1.0, 100.0)

void sallen_key(double r1, double r2, double c1, double c2, double *f0, double *q)
{
    double rc = r1 * r2 * c1 * c2 * 1e-12;  /* (kOhm * nF)^2 = 1e-12 s^2 */
    *f0 = 1.0 / (2.0 * 3.141592653589793 * sqrt(rc));
    *q = sqrt(rc) / (c2 * 1e-9 * (r1 + r2) * 1e3);
}
"""

HORIZON_C = r"""
/* A double integrator (x'' = u, |u| <= 1) driven from 0 to 1 by a look-ahead controller: it
 * steers the position predicted `horizon` steps ahead, u = kp * (1 - x - horizon * dt * v)
 * - kd * v, smoothed by a first-order filter (smooth in [0, 0.95]); 6 s at dt = 0.02.
 * Output: integral of (error^2 + 0.01 u^2). */
#pragma nsc_tune domain(horizon, 1, 12)
#pragma nsc_tune domain(kp, 0.0, 20.0)
#pragma nsc_tune domain(kd, 0.0, 10.0)
#pragma nsc_tune domain(smooth, 0.0, 0.95)

double horizon_cost(int horizon, double kp, double kd, double smooth)
{
    double x = 0.0, v = 0.0, u = 0.0, cost = 0.0, dt = 0.02;
    for (int i = 0; i < 300; i++) {
        double ahead = x + horizon * dt * v;
        double raw = kp * (1.0 - ahead) - kd * v;
        if (raw > 1.0) {
            raw = 1.0;
        }
        if (raw < -1.0) {
            raw = -1.0;
        }
        u = smooth * u + (1.0 - smooth) * raw;
        v = v + dt * u;
        x = x + dt * v;
        double e = 1.0 - x;
        cost = cost + (e * e + 0.01 * u * u) * dt;
    }
    return cost;
}
"""

BEAM6_C = r"""
/* A cantilever (length 6 m, width 0.1 m, E = 200 GPa) of six 1 m segments with heights
 * h1..h6 in decimetres (h1 at the wall), tip load 10 kN. Outputs: volume (litres), tip
 * deflection (mm), largest bending stress (MPa) at a segment's wall-side end. */
#pragma nsc_tune domain(h1, 0.5, 5.0)
#pragma nsc_tune domain(h2, 0.5, 5.0)
#pragma nsc_tune domain(h3, 0.5, 5.0)
#pragma nsc_tune domain(h4, 0.5, 5.0)
#pragma nsc_tune domain(h5, 0.5, 5.0)
#pragma nsc_tune domain(h6, 0.5, 5.0)

void beam6(double h1, double h2, double h3, double h4, double h5, double h6,
           double *volume, double *deflection, double *stress)
{
    double h[6];
    h[0] = h1; h[1] = h2; h[2] = h3; h[3] = h4; h[4] = h5; h[5] = h6;
    double P = 1e4, E = 2e11, b = 0.1;
    double vol = 0.0, defl = 0.0, smax = 0.0;
    for (int i = 0; i < 6; i++) {
        double hm = 0.1 * h[i];
        double I = b * hm * hm * hm / 12.0;
        double far = 6.0 - i;          /* distance of the segment's wall-side end to the tip */
        double near = far - 1.0;
        vol = vol + b * hm * 1.0;
        defl = defl + P * (far * far * far - near * near * near) / (3.0 * E * I);
        double s = P * far * (hm / 2.0) / I;
        if (s > smax) {
            smax = s;
        }
    }
    *volume = vol * 1e3;
    *deflection = defl * 1e3;
    *stress = smax * 1e-6;
}
"""


def sallen_objective(target=None):
    """f0 = 1 kHz (in log) and Q = 0.707, then the least total capacitance."""
    def f(x, y):
        return (torch.log(y[:, 0] / 1000.0)) ** 2 + (y[:, 1] - 1 / math.sqrt(2)) ** 2 \
            + 1e-4 * (x[:, 2] + x[:, 3])
    return f


def beam_objective(target=None):
    """Volume, with deflection <= 20 mm and stress <= 160 MPa as quadratic penalties."""
    def f(x, y):
        over_d = torch.relu(y[:, 1] - 20.0) / 20.0
        over_s = torch.relu(y[:, 2] - 160.0) / 160.0
        return y[:, 0] + 100.0 * (over_d ** 2 + over_s ** 2)
    return f


def first_output(target=None):
    return lambda x, y: y[:, 0]


#: name -> (C source, function, objective factory, description)
PROBLEMS = {
    "pidf": (PIDF_C, "pidf_cost", first_output,
             "PID with a filtered derivative (kp, ki, kd, tf) on the saturated, lagged plant of "
             "pid; cost = ISE + 0.002 * effort (4-D)"),
    "sallen": (SALLEN_C, "sallen_key", sallen_objective,
               "Sallen-Key low-pass (R1, R2 in kOhm, C1, C2 in nF) -> (f0, Q); (log f0/1 kHz)^2 + "
               "(Q - 0.707)^2 + 1e-4 (C1 + C2) (4-D, two outputs)"),
    "horizon": (HORIZON_C, "horizon_cost", first_output,
                "look-ahead controller of a saturated double integrator: integer horizon 1-12, "
                "kp, kd, smoothing; cost = ISE + 0.01 effort (4-D, one int)"),
    "beam6": (BEAM6_C, "beam6", beam_objective,
              "cantilever of six segment heights -> (volume, deflection, stress); volume with "
              "deflection <= 20 mm and stress <= 160 MPa as penalties (6-D, three outputs)"),
}
