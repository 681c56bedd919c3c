/* hugemem: large arrays that the hot loops read at random, on huge pages
 * where the system allows it.
 *
 * The event engine touches a few scattered 64-byte cells per synaptic event;
 * on 4 KB pages each touch of a large array is a likely TLB miss as well as
 * a cache miss (the cells of 100k neurons span 1600 pages). A block asked
 * for here is aligned to 2 MB and advised as huge (Linux's transparent huge
 * pages in "madvise" mode); elsewhere it is an ordinary aligned block.
 * Contents are not initialised. */
#ifndef SM_HUGEMEM_H
#define SM_HUGEMEM_H

#include <stddef.h>

/* A block of at least `bytes` bytes, aligned to 64 bytes at least, or NULL.
 * Free it with sm_huge_free. */
void *sm_huge_alloc(size_t bytes);
void sm_huge_free(void *p);

#endif
