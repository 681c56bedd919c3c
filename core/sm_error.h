/* sm_error: the one error convention of spikemesh.
 *
 * Functions that can fail return 0 on success and -1 on failure (or NULL for
 * constructors), and fill the caller's sm_error_t with a code and a message
 * that names the file, the field and the value at fault. Errors from outside
 * (files, packets, peers) are always reported this way, never asserted. */
#ifndef SM_ERROR_H
#define SM_ERROR_H

#include <stdarg.h>

typedef enum {
    SM_OK = 0,
    SM_ENOMEM,      /* out of memory */
    SM_EINVAL,      /* invalid argument or parameter */
    SM_EIO,         /* file or socket I/O */
    SM_EPARSE,      /* malformed input file */
    SM_ERANGE,      /* value out of range */
    SM_EUNSUPPORTED,/* model, class or feature not supported */
    SM_EPROTO,      /* malformed or unexpected message */
    SM_ETIMEDOUT,   /* a peer stopped answering */
    SM_EPEER,       /* a peer reported an error or died */
    SM_ETOOBIG,     /* the network does not fit the chip */
    SM_ECYCLE,      /* a cycle of delay-0 projections */
    SM_EMISMATCH    /* results differ from a reference */
} sm_err_t;

typedef struct {
    sm_err_t code;
    char msg[1024];
} sm_error_t;

const char *sm_strerror(sm_err_t code);

/* Records an error (if err is not NULL) and returns -1, so that callers can
 * write `return sm_fail(err, SM_EINVAL, "x: must be > 0, got %g", x);`.
 * It replaces whatever err held: the innermost failure writes the message and
 * callers add context with sm_error_prefix. */
int sm_fail(sm_error_t *err, sm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds context in front of an existing message: "file.json: " + msg. */
void sm_error_prefix(sm_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void sm_error_clear(sm_error_t *err);

#endif
