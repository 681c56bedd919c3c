/* output: files written atomically. Each output goes to a temporary file in
 * the same directory and is renamed over the target only when complete, so a
 * failed or interrupted run never leaves a half file where a good one was. */
#ifndef SM_OUTPUT_H
#define SM_OUTPUT_H

#include <stdio.h>

#include "sm_error.h"

typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4200];
} sm_out_t;

/* Creates the directory and its parents if missing. */
int sm_mkdirs(const char *dir, sm_error_t *err);
int sm_out_open(sm_out_t *o, const char *path, sm_error_t *err);
/* Flushes, syncs and renames into place; closes in every case. */
int sm_out_commit(sm_out_t *o, sm_error_t *err);
/* The two halves of commit, for several files replaced together: finish
 * (flush, sync, close) all of them, then rename all of them. */
int sm_out_finish(sm_out_t *o, sm_error_t *err);
int sm_out_rename(sm_out_t *o, sm_error_t *err);
/* Discards the temporary file. */
void sm_out_abort(sm_out_t *o);
/* Writes a whole string atomically. */
int sm_write_file(const char *path, const char *text, sm_error_t *err);

#endif
