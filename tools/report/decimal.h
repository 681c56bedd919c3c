/* decimal: unsigned integers in decimal without printf, for the CSV writers
 * (spikes.csv, ticks.csv), whose rows are mostly integers: printf's
 * formatting was most of the cost of writing them. */
#ifndef SM_DECIMAL_H
#define SM_DECIMAL_H

#include <stdint.h>

/* x in decimal ending just before `end`; returns where it starts (at most
 * 20 characters, none written past end). */
static inline char *sm_dec_u64(char *end, uint64_t x)
{
    do {
        *--end = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    return end;
}

/* The number of decimal digits of x, as a double: the size estimates sum
 * them over many rows. */
static inline double sm_dec_digits(uint64_t x)
{
    double n = 1;
    while (x >= 10) {
        x /= 10;
        n++;
    }
    return n;
}

#endif
