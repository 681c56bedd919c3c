/* quantise: a float network made what a fixed-point chip computes, as the
 * chip's toolchain would make it (rules and sources in docs/arithmetic.md),
 * with a report of what was lost.
 *
 * A population whose model has a loihi_lif equivalent (snnTorch Leaky, IAF,
 * Synaptic, Lapicque and Alpha; sinabs IAF and LIF; norse LIF cells; the
 * exact style's cuba_lif with one synaptic time constant) becomes
 * loihi_lif: decays rounded to 12 bits, one voltage scale S per population
 * (the threshold's mantissa as large as the weights allow), v measured from
 * the reset potential, the threshold and the bias to Loihi's mantissa and
 * exponent, what it cannot hold (MultiSpike counts, min_v_mem, refractory
 * periods, resets by subtraction) named in the report. Every projection
 * into it becomes a Lava Dense with the chip's weight bits and a
 * per-projection exponent chosen so that its largest weight fits (and one
 * tick more where the float membrane sees its current a step late). Other
 * populations (leaky integrators, two synaptic time constants, and
 * populations already loihi_lif) stay as they are; the report says why. */
#ifndef SM_QUANTISE_H
#define SM_QUANTISE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chip.h"
#include "net.h"
#include "sm_error.h"

struct cJSON;

typedef struct {
    uint32_t pop;
    bool quantised;            /* became loihi_lif here                            */
    double scale;              /* S: integer units of v per unit of membrane        */
    int32_t du, dv, vth;       /* neuron 0's                                        */
    int32_t bias_mant, bias_exp;
    double decay_err;          /* largest |K/4096 - float decay| (current, voltage)  */
    double threshold_err;      /* largest relative error of the threshold           */
    double bias_err;           /* largest relative error of the bias (0: none)      */
    char note[320];            /* what the chip changes, or why it is kept          */
} sm_qpop_t;

typedef struct {
    uint32_t proj;
    int32_t weight_exp;
    uint32_t num_weight_bits;
    sm_loihi_sign_t sign;
    double unit;               /* the float weight of one integer weight unit       */
    uint64_t weights;          /* non-zero float weights                            */
    uint64_t clipped;          /* beyond the mantissa even at the largest exponent  */
    uint64_t zeroed;           /* non-zero weights that became 0                    */
    double max_rel_err;        /* largest |w' - w| / |w|                            */
    double mean_rel_err;
} sm_qproj_t;

typedef struct {
    char chip[SM_CHIP_NAME_MAX];
    uint32_t weight_bits;
    sm_qpop_t *pops;           /* every model population, by population order      */
    uint32_t n_pops;
    sm_qproj_t *projs;         /* every projection into a quantised population     */
    uint32_t n_projs;
} sm_qreport_t;

/* Quantises net for chip (whose arith must be SM_ARITH_FIXED) in place and
 * finishes it again; rep receives the report (sm_qreport_fini). On failure
 * net may be half converted: destroy it. */
int sm_quantise(sm_net_t *net, const sm_chip_t *chip, sm_qreport_t *rep, sm_error_t *err);
void sm_qreport_fini(sm_qreport_t *rep);

/* The report as a few lines of the run summary, and as stats.json's
 * "quantisation". */
void sm_qreport_print(FILE *f, const sm_net_t *net, const sm_qreport_t *rep);
void sm_qreport_to_json(const sm_net_t *net, const sm_qreport_t *rep, struct cJSON *stats);

#endif
