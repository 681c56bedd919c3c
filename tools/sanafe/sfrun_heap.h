/* sfrun_heap: a binary min-heap of message indices by key, breaking ties
 * exactly as std::priority_queue<T, std::vector<T>, Greater> does in
 * libstdc++ (push_back + push_heap; pop_heap + pop_back), because SANA-FE's
 * detailed timing depends on which of two messages sent at the same time it
 * handles first. Written from the algorithm, not from its source. */
#ifndef SM_SFRUN_HEAP_H
#define SM_SFRUN_HEAP_H

#include <stdint.h>

/* An entry: the key is copied in, as std::priority_queue holds copies. */
typedef struct {
    double key;
    uint32_t item;
} sfr_heap_ent_t;

void sfr_heap_push(sfr_heap_ent_t *heap, uint32_t *n, double key, uint32_t item);
uint32_t sfr_heap_pop(sfr_heap_ent_t *heap, uint32_t *n);

#endif
