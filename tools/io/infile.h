/* infile: opening and reading the files a user names as input (network,
 * chip, mapping and golden files, the CSV files they point to).
 *
 * Only regular files are read: a FIFO would block the open until someone
 * writes to it, and a device such as /dev/urandom never ends. Both are
 * refused at once, naming the file and what it is. */
#ifndef SM_INFILE_H
#define SM_INFILE_H

#include <stddef.h>
#include <stdio.h>

#include "sm_error.h"

/* Opens path for reading if it is a regular file (a symlink to one is
 * fine). Caller owns the stream (fclose). */
FILE *sm_infile_open(const char *path, sm_error_t *err);

/* Reads a whole regular file of at most max bytes into a NUL-terminated
 * buffer. Caller owns the result; *len (if not NULL) receives its length
 * without the NUL. */
char *sm_infile_read(const char *path, size_t max, size_t *len, sm_error_t *err);

#endif
