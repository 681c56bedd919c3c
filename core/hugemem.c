/* hugemem: see hugemem.h. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "hugemem.h"

#include <stdlib.h>
#include <sys/mman.h>

/* Below one huge page the TLB gains nothing worth the rounding. */
#define S_HUGE ((size_t)2 << 20)

void *sm_huge_alloc(size_t bytes)
{
    if (bytes < S_HUGE)
        return aligned_alloc(64, (bytes + 63) / 64 * 64);
    const size_t size = (bytes + S_HUGE - 1) / S_HUGE * S_HUGE;
    void *p = aligned_alloc(S_HUGE, size);
#ifdef MADV_HUGEPAGE
    /* Advice only: where it is refused the block still works. */
    if (p)
        (void)madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

void sm_huge_free(void *p)
{
    free(p);
}
