/* sfrun_heap: libstdc++'s heap order with comp(a, b) = a.key > b.key. */
#include "sfrun_heap.h"

/* __push_heap: move the hole up while the parent compares below value. */
static void s_sift_up(sfr_heap_ent_t *h, int64_t hole, int64_t top, sfr_heap_ent_t value)
{
    int64_t parent = (hole - 1) / 2;
    while (hole > top && h[parent].key > value.key) {
        h[hole] = h[parent];
        hole = parent;
        parent = (hole - 1) / 2;
    }
    h[hole] = value;
}

void sfr_heap_push(sfr_heap_ent_t *h, uint32_t *n, double key, uint32_t item)
{
    sfr_heap_ent_t v = {key, item};
    h[*n] = v;
    (*n)++;
    s_sift_up(h, (int64_t)*n - 1, 0, v);
}

/* pop_heap: the last element replaces the top, which goes to the end; the
 * hole at the top runs down to a leaf along the preferred children
 * (__adjust_heap), then the saved element sifts up from there. */
uint32_t sfr_heap_pop(sfr_heap_ent_t *h, uint32_t *n)
{
    uint32_t top = h[0].item;
    int64_t len = (int64_t)*n - 1;
    if (len > 0) {
        sfr_heap_ent_t value = h[len];
        h[len] = h[0];
        int64_t hole = 0, second = 0;
        while (second < (len - 1) / 2) {
            second = 2 * (second + 1);
            if (h[second].key > h[second - 1].key)
                second--;
            h[hole] = h[second];
            hole = second;
        }
        if ((len & 1) == 0 && second == (len - 2) / 2) {
            second = 2 * (second + 1);
            h[hole] = h[second - 1];
            hole = second - 1;
        }
        s_sift_up(h, hole, 0, value);
    }
    (*n)--;
    return top;
}
