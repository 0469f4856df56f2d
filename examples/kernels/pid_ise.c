/* A second-order plant under PID control for 5 s: the integrated squared error of a unit
 * step response (examples/pid_tuning.py, docs/tutorial_optuna.md). */
#pragma nsc_tune domain(kp, 0, 10)
#pragma nsc_tune domain(ki, 0, 5)
#pragma nsc_tune domain(kd, 0, 2)
double pid_ise(double kp, double ki, double kd) {
    /* plant: y'' + 2 zeta wn y' + wn^2 y = wn^2 u */
    const double dt = 0.01, wn = 2.0, zeta = 0.3;
    double y = 0.0, v = 0.0, integral = 0.0, previous = 1.0, ise = 0.0;
    for (int step = 0; step < 500; step++) {
        double error = 1.0 - y;
        integral += error * dt;
        double derivative = (error - previous) / dt;
        previous = error;
        double u = kp * error + ki * integral + kd * derivative;
        if (u > 50.0) u = 50.0;
        if (u < -50.0) u = -50.0;
        double a = wn * wn * (u - y) - 2.0 * zeta * wn * v;
        v += a * dt;
        y += v * dt;
        ise += error * error * dt;
    }
    return ise;
}
