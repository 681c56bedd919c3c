/* helpers: fixtures shared by the test suites: where the test data is,
 * temporary folders, whole files, networks from inline JSON, and runs of the
 * spikemesh binary. A helper that cannot do its job fails the running test
 * itself, so a suite reads as what it checks. Built without Criterion
 * (SM_LIBFUZZER, the libFuzzer binaries) a failing helper aborts instead. */
#ifndef SM_TEST_HELPERS_H
#define SM_TEST_HELPERS_H

#include <stddef.h>

#include "net.h"
#include "sm_error.h"

/* Folders of the source tree. CMake passes the source root, the golden cases
 * (SM_GOLDEN_DIR, by default the copy in tests/data/golden), the examples and
 * the binary; everything else is named here. */
#define T_DATA_DIR SM_SOURCE_DIR "/tests/data"
#ifdef SM_GOLDEN_DIR
#define T_GOLDEN_DIR SM_GOLDEN_DIR
#else
#define T_GOLDEN_DIR T_DATA_DIR "/golden"
#endif
#ifdef SM_EXAMPLES_DIR
#define T_EXAMPLES_DIR SM_EXAMPLES_DIR
#else
#define T_EXAMPLES_DIR SM_SOURCE_DIR "/tools/examples"
#endif
#define T_CHIPS_DIR SM_SOURCE_DIR "/tools/chip/profiles"

#ifdef SM_LIBFUZZER
void t_die(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
#define t_require(cond, ...)                                                                     \
    do {                                                                                         \
        if (!(cond))                                                                             \
            t_die(__FILE__, __LINE__, __VA_ARGS__);                                              \
    } while (0)
#else
#include <criterion/criterion.h>
#define t_require(cond, ...) cr_assert(cond, __VA_ARGS__)
#endif

/* ---- temporary folders ------------------------------------------------ */

/* Where temporary files go: $TMPDIR, or /tmp if that is unset. */
const char *t_tmp_base(void);
/* Makes a fresh folder <base>/sm_<tag>_XXXXXX into
 * dir (cap bytes) and returns dir. */
char *t_mkdtemp(char *dir, size_t cap, const char *tag);
/* Removes dir and everything in it; 0 on success. */
int t_rmtree(const char *dir);
/* dir/name into out (cap bytes); returns out. */
char *t_join(char *out, size_t cap, const char *dir, const char *name);
/* Entries of dir whose name holds ".tmp": what an interrupted atomic write
 * leaves behind. */
unsigned t_count_temp_files(const char *dir);

/* ---- files ------------------------------------------------------------ */

/* The whole file, NUL-terminated (len, if not NULL, without the NUL);
 * caller frees. t_read fails the test if it cannot; t_read_or_null returns
 * NULL. */
char *t_read(const char *path, size_t *len);
char *t_read_or_null(const char *path, size_t *len);
/* Writes len bytes to path, replacing it. */
void t_write(const char *path, const void *buf, size_t len);
/* Writes text to dir/name; returns the path (in out, cap bytes). */
char *t_write_in(char *out, size_t cap, const char *dir, const char *name, const char *text);

/* ---- networks --------------------------------------------------------- */

/* The network file at path; fails the test unless it loads. */
sm_net_t *t_load_net(const char *path);
/* A network from inline JSON text, as if read from a file called `name` in
 * `dir` (relative paths resolve there). The text must parse; t_net_json
 * fails the test unless the network loads, t_net_json_try returns NULL with
 * err filled. */
sm_net_t *t_net_json(const char *text, const char *name, const char *dir);
sm_net_t *t_net_json_try(const char *text, const char *name, const char *dir, sm_error_t *err);

/* ---- the binary ------------------------------------------------------- */

/* Runs a shell command line (printf format); returns its exit status, or -1
 * if it did not exit normally. */
int t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs the spikemesh binary (T_BIN) with the arguments (printf format; quote
 * paths) and returns its exit status. */
#define T_BIN SM_BIN
int t_run_bin(const char *args_fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
