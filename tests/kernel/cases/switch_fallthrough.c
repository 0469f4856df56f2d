/* switch: fall-through, default in the middle, a braced case, negative and unsigned labels,
   break inside switch vs continue inside switch within a loop. */
#pragma nsc_tune domain(k, -3, 12)
#pragma nsc_tune domain(x, 0, 10)

int kernel(int k, float x, float *y, unsigned *tag)
{
    int r = 0;
    switch (k) {
    case 0:
        r += 1;
    case 1:
        r += 10;
        break;
    case 2:
    case 3:
        r += 100;
    default:
        r += 1000;
    case 4:
        r += 10000;
        break;
    case 5: {
        int t = k * 3;
        r = -t;
        break;
    }
    case 7:
        r = 7;
    }

    float acc = 0.0f;
    for (int i = 0; i < 8; i++) {
        switch ((i + k) % 4) {
        case 0:
            continue;
        case 1:
            acc += x;
            break;
        case -1:
            acc -= 1.0f;
        case 2:
            acc *= 0.5f;
            break;
        default:
            acc += 1.0f;
        }
        acc += 0.25f;
    }
    *y = acc;

    unsigned t = 0u;
    switch ((unsigned)k) {
    case 4294967295u:
        t = 1u;
        break;
    case 0xFFFFFFFEu:
        t = 2u;
    case 3u:
        t += 4u;
        break;
    default:
        t = (unsigned)k * 16u;
    }
    *tag = t;
    return r;
}
