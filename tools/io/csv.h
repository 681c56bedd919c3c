/* csv: a small strict reader for the numeric CSV files a network file may
 * point to (connection lists, weight matrices, spike times).
 *
 * The format is deliberately narrow so that a mistake in a file is reported
 * rather than guessed around:
 *   - fields are separated by commas; spaces and tabs around a field are
 *     ignored; LF and CRLF line ends are accepted, and a UTF-8 BOM;
 *   - blank lines and lines whose first non-blank character is '#' are
 *     skipped;
 *   - the first remaining line may be a header: a line where no field is a
 *     number. It is handed to the header callback, which may check the
 *     column names; without one, a header is refused;
 *   - every other field must be a finite decimal number, and every row must
 *     have as many fields as the first one.
 * Errors read "file:line: what is wrong". */
#ifndef SM_CSV_H
#define SM_CSV_H

#include <stddef.h>

#include "sm_error.h"

typedef struct {
    /* Called once with the header's fields, if the file has one. NULL: a
     * header is an error. */
    int (*header)(void *ctx, const char *const *names, size_t n,
                  sm_error_t *err);
    /* Called once per data row, in file order. A message it leaves in err
     * is prefixed with "file:line: ". */
    int (*row)(void *ctx, const double *vals, size_t n, sm_error_t *err);
    void *ctx;
} sm_csv_handler_t;

/* Reads `path`, calling the handler for each row. `shown` names the file in
 * messages (NULL: path). Returns 0 or -1 with err filled. */
int sm_csv_read(const char *path, const char *shown, const sm_csv_handler_t *h,
                sm_error_t *err);

/* Reads a whole file into a NUL-terminated buffer. Caller owns the result;
 * *len (if not NULL) receives its length without the NUL. */
char *sm_file_read(const char *path, size_t *len, sm_error_t *err);

#endif
