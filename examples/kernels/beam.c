/* A steel cantilever of rectangular section under a tip load. */
#pragma nsc_tune domain(width, 0.02, 0.1)
#pragma nsc_tune domain(height, 0.05, 0.2)
#pragma nsc_tune domain(load, 500, 5000)
void beam(double width, double height, double load, double *deflection_mm, double *mass_kg)
{
    const double length = 2.0, young = 200e9, density = 7850.0;
    double inertia = width * height * height * height / 12.0;
    *deflection_mm = 1000.0 * load * length * length * length / (3.0 * young * inertia);
    *mass_kg = density * width * height * length;
}
