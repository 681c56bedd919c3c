/* fuzz: the parts the mutation fuzzers under tests/fuzz/ share.
 *
 * The rule under test: bad input gets a clear error (naming the file where
 * there is one) and a failure return, never a crash, a hang or a silently
 * wrong answer. Each target file fuzz_<target>.c holds one decoder's
 *
 *     int sm_fuzz_<target>(const uint8_t *data, size_t size);
 *
 * which decodes one input and checks the outcome, in the shape of a libFuzzer
 * entry, and (built with Criterion) tests that feed it a few thousand
 * mutants of valid inputs, drawn from fixed seeds (core/rng.h), so every run
 * sees the same inputs. The sanitizers (-DSM_SANITIZE=ON) catch memory errors
 * and UB; the checks catch refusals without a message and acceptances that
 * break the invariants a valid input guarantees. A bad outcome is counted
 * (Criterion: the test fails at the end, the input is saved as
 * $TMPDIR/sm_fuzz_fail_<decoder>.bin) or, in a libFuzzer binary
 * (SM_LIBFUZZER), aborts so that libFuzzer keeps the input. */
#ifndef SM_FUZZ_H
#define SM_FUZZ_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helpers.h"
#include "net.h"
#include "rng.h"
#include "sm_error.h"

/* The per-input functions, one per target file. */
int sm_fuzz_net(const uint8_t *data, size_t size);
int sm_fuzz_golden(const uint8_t *data, size_t size);
int sm_fuzz_chip(const uint8_t *data, size_t size);
int sm_fuzz_mapping(const uint8_t *data, size_t size);
int sm_fuzz_aer(const uint8_t *data, size_t size);
int sm_fuzz_netmsg(const uint8_t *data, size_t size);
int sm_fuzz_part(const uint8_t *data, size_t size);
int sm_fuzz_ctlmsg(const uint8_t *data, size_t size);
int sm_fuzz_nir(const uint8_t *data, size_t size);
int sm_fuzz_nirgraph(const uint8_t *data, size_t size);
int sm_fuzz_nirwire(const uint8_t *data, size_t size);
int sm_fuzz_nirside(const uint8_t *data, size_t size);
int sm_fuzz_npy(const uint8_t *data, size_t size);
int sm_fuzz_sanafe_arch(const uint8_t *data, size_t size);
int sm_fuzz_sanafe_snn(const uint8_t *data, size_t size);
int sm_fuzz_netlist(const uint8_t *data, size_t size);
int sm_fuzz_lava(const uint8_t *data, size_t size);

/* Populations larger than this are not handed to the loader: it allocates
 * and fills per-neuron arrays (initial values, spike-time offsets, weight
 * matrices), which for a mutated size of 1e9 is gigabytes of legitimate
 * work, not a bug. Counted as skipped. */
#define FUZZ_MAX_POP 20000u
/* Synapses expanded per projection when checking an accepted network. */
#define FUZZ_MAX_SYN 20000u

/* ---- runs and outcomes ------------------------------------------------ */

/* SM_FUZZ_SCALE=k runs k times as many mutants, SM_FUZZ_SEED=s other
 * ones, for a longer search by hand; the default run is fixed. With
 * SM_FUZZ_SEEDS_ONLY=1 (and SM_FUZZ_CORPUS) a suite only writes its seeds:
 * fz_n() is 0 and fz_report() expects nothing. */
uint32_t fz_n(uint32_t n);
uint64_t fz_seed(uint64_t s);
bool fz_seeds_only(void);

/* A temporary directory for files the loaders read by path: made by
 * tmp_setup (a Criterion suite's init) or on first use, removed by
 * tmp_teardown (the suite's fini, or at exit). */
void tmp_setup(void);
void tmp_path(char *out, size_t cap, const char *name);
void tmp_teardown(void);

/* Outcome counters of one decoder's run. */
typedef struct {
    unsigned accepted, refused, skipped, bad;
    char first_bad[1400];
} fz_stats_t;

/* The counters the per-input functions count into: a Criterion test points
 * them at its own before its loop; a libFuzzer run has one set for the
 * process. */
void fz_count_into(fz_stats_t *st);
fz_stats_t *fz_stats(void);

void fz_bad(fz_stats_t *st, const char *what, const void *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A refusal must say what is wrong and, when there is one, name the file. */
void fz_refused(fz_stats_t *st, const char *what, const sm_error_t *err, const char *name,
                const void *buf, size_t len);
#ifndef SM_LIBFUZZER
/* Prints the counters and fails the test if any outcome was bad, or if
 * fewer than min_accepted mutants were accepted or min_refused refused
 * (both paths of the decoder must be exercised). */
void fz_report(const char *what, const fz_stats_t *st, unsigned min_accepted,
               unsigned min_refused);
/* With SM_FUZZ_CORPUS=dir, writes a valid input the test mutates to
 * dir/<what>_<k>.bin: a seed corpus for the libFuzzer binaries. */
void fz_keep_seed(const char *what, const void *buf, size_t len);
#endif

/* ---- mutations -------------------------------------------------------- */

/* One random byte-level edit of buf (len bytes, cap >= len + 64). */
size_t mutate_bytes(sm_rng_t *r, uint8_t *buf, size_t len, size_t cap, bool text);
/* One edit of a line-oriented text (YAML, netlist): a line deleted,
 * duplicated, moved, indented or dedented, a value after ": " or "="
 * replaced by an extreme one, or a token of `tokens` inserted. */
size_t mutate_lines(sm_rng_t *r, uint8_t *buf, size_t len, size_t cap);
/* Inserts one of the n tokens at a random place. */
size_t mutate_insert(sm_rng_t *r, uint8_t *buf, size_t len, size_t cap,
                     const char *const *tokens, size_t n);
/* n mutants of a line-oriented text (1 to 3 edits each, by mutate_lines or
 * mutate_bytes), drawn from seed, each fed to fn. */
void fz_text_mutants(int (*fn)(const uint8_t *, size_t), const char *text, size_t len,
                     uint64_t seed, uint32_t n);
/* One structural edit of doc. */
void mutate_tree(sm_rng_t *r, cJSON *doc);
/* The document if buf[0..n) is one JSON value and nothing else (no NUL,
 * no trailing text), else NULL. buf[n] must be writable. */
cJSON *strict_parse(char *buf, size_t n);
/* A decoder of JSON text that accepts something strict_parse refuses reads
 * a document that is not there. */
void check_strict(fz_stats_t *st, const char *what, const char *buf, size_t n);
/* The first key given twice in one object of doc, or NULL. */
const char *json_dup_key(const cJSON *doc);

/* ---- what an accepted network guarantees (netcheck.c) ------------------ */

/* Everything the loader promises of a network it returns; NULL if it holds,
 * else what is broken. With `generate`, every projection's synapses are
 * expanded (up to FUZZ_MAX_SYN) and checked too. */
const char *net_invariants(const sm_net_t *net, bool generate);
/* True if some population of the document is too large to load here. */
bool too_big(const cJSON *doc);

#endif
