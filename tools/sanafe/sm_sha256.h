/* sm_sha256: SHA-256 (FIPS 180-4), for digests that must equal those other
 * tools compute (SANA-FE's spike digest in sanafe.json). */
#ifndef SM_SHA256_H
#define SM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t fill;
} sm_sha256_t;

void sm_sha256_init(sm_sha256_t *s);
void sm_sha256_add(sm_sha256_t *s, const void *data, size_t n);
void sm_sha256_end(sm_sha256_t *s, unsigned char out[32]);
/* out: 65 bytes, lower-case hex and a NUL. */
void sm_sha256_hex(const unsigned char d[32], char out[65]);

#endif
