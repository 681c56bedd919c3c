/* codec: the only door to the generated protobuf code.
 *
 * An AER batch on our side is a plain struct of parallel arrays that the
 * sender reuses tick after tick; encoding packs it into a caller buffer and
 * decoding validates every field before anything is used. */
#ifndef SM_CODEC_H
#define SM_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

#define SM_WIRE_VERSION 1

/* Same-tick spikes, a window's spikes, and a credit: "I have finished window
 * `tick`" (no entries), which bounds how far a shard may run ahead. */
enum { SM_BATCH_SAME_TICK = 1, SM_BATCH_WINDOW = 2, SM_BATCH_ACK = 3 };

typedef struct {
    uint32_t kind;
    uint32_t src_shard;
    uint32_t tick;
    uint32_t stage;
    uint32_t n;              /* entries                                 */
    uint32_t cap;
    uint32_t *src_gid;
    uint32_t *dst_core;
    uint32_t *dtick;
    uint32_t *count;         /* NULL entries mean 1                     */
    int has_count;
} sm_batch_t;

void sm_batch_init(sm_batch_t *b);
void sm_batch_fini(sm_batch_t *b);
void sm_batch_clear(sm_batch_t *b);
/* Appends one entry; grows the arrays (amortised, no allocation once warm). */
int sm_batch_push(sm_batch_t *b, uint32_t src_gid, uint32_t dst_core,
                  uint32_t dtick, uint32_t count);

/* The largest packed size of a legal batch of n entries: SM_BATCH_MAX_HEAD +
 * n * SM_BATCH_MAX_ENTRY. The header is five varints of at most 5 bytes, each
 * behind a 1-byte tag, and four packed fields of a 1-byte tag and a length of
 * at most 5 bytes; an entry is at most four varints of 5 bytes. A receiver
 * that knows how many entries a batch can hold refuses bigger frames unread. */
#define SM_BATCH_MAX_HEAD 54u
#define SM_BATCH_MAX_ENTRY 20u

/* Packed size of b. */
size_t sm_batch_size(const sm_batch_t *b);
/* Packs b into buf (at least sm_batch_size bytes); returns bytes written. */
size_t sm_batch_pack(const sm_batch_t *b, uint8_t *buf);
/* Parses and validates a message. Entries are checked against the bounds
 * given (n_gids, n_cores, window length). On error returns -1, err says why,
 * and b is left empty. */
int sm_batch_unpack(sm_batch_t *b, const uint8_t *buf, size_t len,
                    uint32_t n_gids, uint32_t n_cores, uint32_t window,
                    sm_error_t *err);

#endif
