#include "sm_error.h"

#include <stdio.h>
#include <string.h>

const char *sm_strerror(sm_err_t code)
{
    switch (code) {
    case SM_OK: return "success";
    case SM_ENOMEM: return "out of memory";
    case SM_EINVAL: return "invalid argument";
    case SM_EIO: return "input/output error";
    case SM_EPARSE: return "malformed input";
    case SM_ERANGE: return "value out of range";
    case SM_EUNSUPPORTED: return "not supported";
    case SM_EPROTO: return "protocol error";
    case SM_ETIMEDOUT: return "timed out";
    case SM_EPEER: return "peer failed";
    case SM_ETOOBIG: return "does not fit";
    case SM_ECYCLE: return "delay-0 cycle";
    case SM_EMISMATCH: return "mismatch";
    }
    return "unknown error";
}

int sm_fail(sm_error_t *err, sm_err_t code, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void sm_error_prefix(sm_error_t *err, const char *fmt, ...)
{
    if (!err)
        return;
    char head[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    size_t hl = strlen(head), tl = strlen(err->msg);
    if (hl >= sizeof err->msg)
        hl = sizeof err->msg - 1;
    if (hl + tl >= sizeof err->msg)
        tl = sizeof err->msg - 1 - hl;
    memmove(err->msg + hl, err->msg, tl);
    memcpy(err->msg, head, hl);
    err->msg[hl + tl] = '\0';
}

void sm_error_clear(sm_error_t *err)
{
    if (err) {
        err->code = SM_OK;
        err->msg[0] = '\0';
    }
}
