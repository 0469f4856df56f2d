// expect: UnsupportedConstructError line 6
typedef double (*unary)(double);
double square(double v) { return v * v; }

double kernel(double x) {
    unary f = square;
    return f(x);
}
