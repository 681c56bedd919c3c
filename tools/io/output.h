/* output: files written atomically and safely.
 *
 * Each output is written to a temporary file and renamed over its target only
 * when complete, so a failed or interrupted run never leaves a half file
 * where a good one was. The temporaries live in a private directory made
 * inside the target's directory (mkdtemp: an unpredictable name, mode 0700)
 * and are created with O_EXCL | O_NOFOLLOW, so a file or symlink planted
 * there by someone else is never written through. A run killed before its
 * renames leaves only that directory behind,
 *     DIR/.spikemesh.tmp.<host>.<pid>.XXXXXX,
 * and the next output into DIR from the same host removes every such
 * directory whose process is gone (docs/outputs.md). */
#ifndef SM_OUTPUT_H
#define SM_OUTPUT_H

#include <stdio.h>

#include "sm_error.h"

#define SM_OUT_PATH 4096

/* A private directory for the temporaries of several outputs into one
 * directory, replaced together. */
typedef struct {
    char dir[SM_OUT_PATH];     /* the target directory                        */
    char priv[SM_OUT_PATH + 64];  /* the private directory inside it, or ""    */
} sm_outdir_t;

typedef struct {
    FILE *f;
    char path[SM_OUT_PATH];       /* the target                               */
    char tmp[SM_OUT_PATH + 192];  /* the temporary, in a private directory     */
    char own[SM_OUT_PATH + 64];   /* the private directory made for this file
                                     alone (sm_out_open), or ""             */
} sm_out_t;

/* Creates the directory and its parents if missing. */
int sm_mkdirs(const char *dir, sm_error_t *err);

/* Removes the private directories of dead processes of this host in dir
 * (what a killed run left behind). Best effort: errors are ignored. */
void sm_out_clean_stale(const char *dir);

/* Makes a private directory in dir (an existing directory), after removing
 * stale ones. */
int sm_outdir_open(sm_outdir_t *d, const char *dir, sm_error_t *err);
/* Removes what is left in the private directory, and the directory. */
void sm_outdir_close(sm_outdir_t *d);
/* Starts dir/name, its temporary in d's private directory. */
int sm_out_open_in(sm_out_t *o, const sm_outdir_t *d, const char *name, sm_error_t *err);

/* Starts path alone, its temporary in a private directory of its own beside
 * it (removed again by commit, rename or abort). */
int sm_out_open(sm_out_t *o, const char *path, sm_error_t *err);
/* Flushes, syncs (with SPIKEMESH_DURABLE=1 only) and renames into place;
 * closes in every case. */
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
