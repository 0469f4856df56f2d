/* Integer promotions of char/short, (unsigned char) wrap, (signed char)200 == -56 on gcc. */
#pragma nsc_tune domain(x, -300, 300)
#pragma nsc_tune domain(c, -128, 127)

void kernel(int x, signed char c, int out[8])
{
    unsigned char uc = (unsigned char)x;
    signed char sc = (signed char)200;
    signed char sx = (signed char)(x + 200);
    short s = (short)(x * 150);
    char ch = (char)(x & 0x7F);
    out[0] = uc;
    out[1] = uc + 1 + sc;
    out[2] = (unsigned char)(uc + 1);
    out[3] = sx;
    out[4] = s;
    out[5] = ~uc;
    out[6] = c * c + (unsigned char)c;
    out[7] = ch * 2 + (uc >> 3) - sx * 2;
}
