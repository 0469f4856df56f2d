// expect: UnsupportedConstructError line 5
double square(double v) { return v * v; }

double kernel(double x) {
    double (*f)(double) = square;
    return f(x);
}
