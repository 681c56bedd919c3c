/* model_int: what a neuron style provides, for the model files of core/ only.
 *
 * A style is the update rule of one library (sm_style_t). Each lives in its
 * own file, core/model_<name>.c, and exports nothing but one const table of
 * operations, sm_style_<name>, filled with designated initializers. model.c
 * picks the table by m->style (an index, not a pointer: a model travels as
 * bytes), and model_closed.c asks it once, in sm_model_prepare, for its form
 * with zero input; everything else about closed forms is style-free.
 *
 * Adding a style "foo":
 *   1. model.h: SM_STYLE_FOO before SM_STYLE_COUNT (and any parameters it
 *      needs in sm_model_t; sm_nstate_t stays 16 bytes).
 *   2. core/model_foo.c: static step, lin_form and (unless a shared one fits)
 *      init_state, and `const sm_style_ops_t sm_style_foo = {.name = "foo",
 *      ...};` (the CMake glob picks the file up).
 *   3. Below: `extern const sm_style_ops_t sm_style_foo;`, and model.c: its
 *      row in sm_style_table.
 *   4. tools/io/model_json.c: a reader s_foo() for its JSON parameters and a
 *      row in s_styles (the models it implements, the keys that identify it).
 * A style whose update is not the affine map of model_closed.c (loihi's
 * integers) brings its own advance and next_spike, trace and set_initial. 
 * The wire check of a received model (proto/netmsg.c) bounds m->style too. */
#ifndef SM_MODEL_INT_H
#define SM_MODEL_INT_H

#include "model.h"

typedef struct {
    /* As "style" is spelled in a network file. */
    const char *name;

    /* One tick; the contract of sm_model_step. Styles with one input port
     * take sm_model_one_input(m, x_exc, x_inh). */
    uint32_t (*step)(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh);

    /* The update of m with zero input, as sm_linform_t describes it, in
     * double. *f arrives as the identity of that form (beta 1, no currents,
     * K = b, e = 0, no flags): set what differs. Returns the number of
     * currents (0..2). Called by sm_model_prepare, or at every closed-form
     * call for a model that was never prepared. */
    uint32_t (*lin_form)(const sm_model_t *m, sm_linform_t *f);

    /* The state a neuron starts in. */
    void (*init_state)(const sm_model_t *m, sm_nstate_t *s);

    /* Optional (NULL: the closed forms of model_closed.c, v in s->v, trace
     * (v, ie, ii)). The contracts of sm_model_advance, sm_model_next_spike,
     * sm_model_set_initial and sm_model_trace. */
    void (*advance)(const sm_model_t *m, sm_nstate_t *s, uint32_t k);
    uint32_t (*next_spike)(const sm_model_t *m, const sm_nstate_t *s);
    /* Optional: sm_model_advance_many, for a style whose advance is not O(1). */
    void (*advance_many)(const sm_model_t *m, sm_nstate_t *const *s, const uint32_t *k,
                         uint32_t n);
    void (*set_initial)(const sm_model_t *m, sm_nstate_t *s, const float *v, const float *u);
    void (*trace)(const sm_model_t *m, const sm_nstate_t *s, float out[3]);

    /* Input that is nowhere positive cannot bring the next spike closer
     * (the engine then keeps a wake-up it already has). */
    bool not_monotone;
} sm_style_ops_t;

extern const sm_style_ops_t sm_style_snntorch;
extern const sm_style_ops_t sm_style_sinabs;
extern const sm_style_ops_t sm_style_norse;
extern const sm_style_ops_t sm_style_exact;
extern const sm_style_ops_t sm_style_loihi;

/* By sm_style_t (model.c). */
extern const sm_style_ops_t *const sm_style_table[SM_STYLE_COUNT];

static inline const sm_style_ops_t *sm_style_of(const sm_model_t *m)
{
    return sm_style_table[m->style];
}

/* One input port: the sum of both, then the constant bias. With no bias and
 * no inhibitory input this is x_exc unchanged, bit for bit. */
static inline float sm_model_one_input(const sm_model_t *m, float x_exc, float x_inh)
{
    return (x_exc + x_inh) + m->bias;
}

/* Shared init_state: everything zero, or the membrane at v_leak. */
void sm_style_init_zero(const sm_model_t *m, sm_nstate_t *s);
void sm_style_init_leak(const sm_model_t *m, sm_nstate_t *s);

#endif
