/*
 * blackscholes: price of a European option without dividends (Black-Scholes formula).
 * AxBench / Parrot region: 6 inputs -> 1 output (Parrot MLP 6-8-8-1).
 *
 * The normal CDF uses the classic 5-term polynomial approximation (Abramowitz & Stegun 26.2.17,
 * absolute error below 7.5e-8), as the PARSEC/AxBench original does.
 *
 * Domains follow the ranges of the PARSEC/AxBench option files: spot and strike prices of a few
 * dollars to about a hundred, yearly risk-free rates of 2.75% to 10%, volatilities of 5% to 65%,
 * maturities from about 2 weeks to 1 year; otype 0 = call, 1 = put.
 */
#include <math.h>

#pragma nsc_tune domain(sptprice, 5.0, 100.0)
#pragma nsc_tune domain(strike, 5.0, 100.0)
#pragma nsc_tune domain(rate, 0.0275, 0.1)
#pragma nsc_tune domain(volatility, 0.05, 0.65)
#pragma nsc_tune domain(otime, 0.05, 1.0)
#pragma nsc_tune domain(otype, 0, 1)

#define INV_SQRT_2PI 0.39894228040143267794f

/* Standard normal cumulative distribution function, polynomial approximation. */
static float cndf(float x)
{
    int negative = 0;
    if (x < 0.0f) {
        x = -x;
        negative = 1;
    }
    float density = INV_SQRT_2PI * expf(-0.5f * x * x);
    float k = 1.0f / (1.0f + 0.2316419f * x);
    float poly = k * (0.319381530f
                 + k * (-0.356563782f
                 + k * (1.781477937f
                 + k * (-1.821255978f
                 + k * 1.330274429f))));
    float upper = 1.0f - density * poly;
    return negative ? 1.0f - upper : upper;
}

float blackscholes(float sptprice, float strike, float rate, float volatility, float otime,
                   int otype)
{
    float sqrt_t = sqrtf(otime);
    float spread = volatility * sqrt_t;
    float d1 = (logf(sptprice / strike) + (rate + 0.5f * volatility * volatility) * otime) / spread;
    float d2 = d1 - spread;
    float discounted_strike = strike * expf(-rate * otime);
    float price;
    if (otype == 0) {
        price = sptprice * cndf(d1) - discounted_strike * cndf(d2);
    } else {
        price = discounted_strike * (1.0f - cndf(d2)) - sptprice * (1.0f - cndf(d1));
    }
    return price;
}
