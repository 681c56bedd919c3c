/* h5_load: libhdf5 loaded on first use (h5_load.h). */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include "h5_load.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <stdio.h>

#ifndef SM_HDF5_SONAME
#error "SM_HDF5_SONAME names the libhdf5 the build found (CMakeLists.txt)"
#endif

/* The library's calls and type constants, resolved once. Process-wide, as
 * libhdf5 itself is: it is loaded at most once, and only read after. */
typedef struct {
#define S_FIELD(ret, name, params, args, fail) ret(*name) params;
    SM_H5_CALLS(S_FIELD)
#undef S_FIELD
    herr_t (*open)(void);
    const hid_t *type[SM_H5_N_TYPES];
    int ok;
    char why[300];
} s_lib_t;

static s_lib_t s_lib;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void s_load(void)
{
    static const char *const types[SM_H5_N_TYPES] = {"H5T_C_S1_g", "H5T_NATIVE_DOUBLE_g",
                                                     "H5T_NATIVE_INT64_g"};
    void *h = dlopen(SM_HDF5_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(s_lib.why, sizeof s_lib.why, "%s", e ? e : "not found");
        return;
    }
    const char *missing = NULL;
    /* Object and function pointers share a representation on every
     * platform dlsym exists on (POSIX requires it): copied, not cast. */
#define S_RESOLVE(ret, name, params, args, fail)                                                \
    {                                                                                           \
        void *p = dlsym(h, "H5" #name);                                                         \
        if (!p && !missing)                                                                     \
            missing = "H5" #name;                                                               \
        memcpy(&s_lib.name, &p, sizeof p);                                                      \
    }
    SM_H5_CALLS(S_RESOLVE)
#undef S_RESOLVE
    void *p = dlsym(h, "H5open");
    if (!p && !missing)
        missing = "H5open";
    memcpy(&s_lib.open, &p, sizeof p);
    herr_t (*check)(unsigned, unsigned, unsigned) = NULL;
    p = dlsym(h, "H5check_version");
    if (!p && !missing)
        missing = "H5check_version";
    memcpy(&check, &p, sizeof p);
    /* A program that links libhdf5 too (the tests, which write HDF5 files)
     * may hold its own copies of the constants, which the library then
     * initialises instead of its own: those come first. */
    for (int i = 0; i < SM_H5_N_TYPES; i++) {
        if (!(s_lib.type[i] = dlsym(RTLD_DEFAULT, types[i])))
            s_lib.type[i] = dlsym(h, types[i]);
        if (!s_lib.type[i] && !missing)
            missing = types[i];
    }
    if (missing) {
        snprintf(s_lib.why, sizeof s_lib.why, "it has no %s", missing);
        return; /* kept loaded: unloading a library that ran its constructors is not safe */
    }
    /* What the headers' H5F_ACC_RDONLY did on each use when linked: the
     * library checks that it is the version the reader was compiled
     * against, and initialises itself. */
    if (check(H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE) < 0 || s_lib.open() < 0) {
        snprintf(s_lib.why, sizeof s_lib.why, "it did not initialise");
        return;
    }
    s_lib.ok = 1;
}

static const s_lib_t *s_get(void)
{
    pthread_once(&s_once, s_load);
    return s_lib.ok ? &s_lib : NULL;
}

int sm_h5_load(sm_error_t *err)
{
    if (s_get())
        return 0;
    return sm_fail(err, SM_EIO, "cannot load libhdf5 (%s), which reading NIR files needs: %s",
                   SM_HDF5_SONAME, s_lib.why);
}

hid_t sm_h5_type(sm_h5_type_t which)
{
    const s_lib_t *l = s_get();
    if (!l || which >= SM_H5_N_TYPES || l->open() < 0)
        return H5I_INVALID_HID;
    return *l->type[which];
}

#define S_CALL(ret, name, params, args, fail)                                                   \
    ret sm_h5_##name params                                                                     \
    {                                                                                           \
        const s_lib_t *lib_ = s_get();                                                          \
        return lib_ ? lib_->name args : (fail);                                                 \
    }
SM_H5_CALLS(S_CALL)
#undef S_CALL
