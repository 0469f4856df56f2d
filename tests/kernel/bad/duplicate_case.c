// expect: UnsupportedConstructError line 9
int kernel(int x) {
    switch (x) {
    case 1:
        switch (x + 1) { case 1: return 7; }  /* a nested switch may reuse the label */
        return 1;
    case -2:
        return 2;
    case 0x1:
        return 3;
    }
    return 0;
}
