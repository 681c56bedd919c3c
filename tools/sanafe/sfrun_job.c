/* sfrun_job: files in, a SANA-FE run, files out. */
#include "sfrun_job.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "output.h"
#include "sanafe_arch.h"
#include "sanafe_bind.h"
#include "sanafe_snn.h"
#include "sfrun_out.h"

static double s_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int sm_sfrun_is_sanafe_path(const char *p)
{
    size_t n = p ? strlen(p) : 0;
    return (n > 5 && !strcasecmp(p + n - 5, ".yaml")) || (n > 4 && !strcasecmp(p + n - 4, ".yml")) ||
           (n > 4 && !strcasecmp(p + n - 4, ".net"));
}

int sm_sfrun_job(const sm_sfrun_job_t *job, FILE *log, sm_sfrun_result_t *res, cJSON **json,
                 sm_sfrun_stats_t *st, sm_error_t *err)
{
    memset(res, 0, sizeof *res);
    memset(st, 0, sizeof *st);
    if (json)
        *json = NULL;
    int rc = -1, have_res = 0, spikes_open = 0;
    sm_sanafe_arch_t *own = NULL;
    sm_sanafe_snn_t *snn = NULL;
    sm_sanafe_bound_t *bound = NULL;
    sm_sanafe_syn_t syn = {0};
    sm_sfrun_t *run = NULL;
    cJSON *doc = NULL;
    sm_out_t spikes;
    double t0 = s_now();
    if (!(snn = sm_sanafe_snn_load(job->net, err)))
        goto out;
    const sm_sanafe_arch_t *arch = snn->arch;
    if (job->arch) {
        if (!(own = sm_sanafe_arch_load(job->arch, err)))
            goto out;
        if (snn->arch && log)
            fprintf(log, "note: %s carries its own architecture: (%s); %s is used instead\n",
                    snn->file, snn->arch->name, job->arch);
        arch = own;
    } else if (!arch) {
        sm_fail(err, SM_EINVAL, "%s: the network file has no architecture: section; give the chip "
                                "with --chip ARCH.yaml",
                job->net);
        goto out;
    }
    st->own_arch = !job->arch;
    snprintf(st->arch_name, sizeof st->arch_name, "%s", arch->name ? arch->name : "");
    snprintf(st->net_name, sizeof st->net_name, "%s", snn->name ? snn->name : "");
    if (!(bound = sm_sanafe_bind(arch, snn, err)))
        goto out;
    if (log) {
        for (uint32_t i = 0; i < snn->n_warnings; i++)
            fprintf(log, "warning: %s\n", snn->warnings[i]);
        for (uint32_t i = 0; i < bound->n_warnings; i++)
            fprintf(log, "warning: %s\n", bound->warnings[i]);
    }
    if (sm_sanafe_synapses(snn, &syn, err))
        goto out;
    double t1 = s_now();
    st->t_read = t1 - t0;
    run = sm_sfrun_new(arch, snn, bound, &syn, err);
    sm_sanafe_synapses_fini(&syn);
    st->cores_used = bound->cores_used;
    st->tiles_used = bound->tiles_used;
    st->n_cores = arch->n_cores;
    st->n_tiles = arch->n_tiles;
    sm_sanafe_bound_destroy(&bound);
    if (!run)
        goto out;
    uint64_t bytes;
    sm_sfrun_size(run, &st->neurons, &st->synapses, &st->axons, &bytes);
    double t2 = s_now();
    st->t_prepare = t2 - t1;
    char path[4200];
    st->writing = 1;
    if (job->out_dir) {
        if (sm_mkdirs(job->out_dir, err))
            goto out;
        snprintf(path, sizeof path, "%s/spikes.csv", job->out_dir);
        if (sm_out_open(&spikes, path, err))
            goto out;
        spikes_open = 1;
    }
    st->writing = 0;
    if (sm_sfrun_run(run, job->steps, job->timing, spikes_open ? spikes.f : NULL, res, err)) {
        st->writing = err->code == SM_EIO;
        goto out;
    }
    have_res = 1;
    double t3 = s_now();
    st->t_run = t3 - t2;
    sm_sfrun_meta_t meta = {job->name ? job->name : snn->name, job->arch ? job->arch : job->net,
                            job->net, snn->netlist ? "netlist" : "yaml", job->command, job->timing};
    if (!(doc = sm_sfrun_json(&meta, res, err)))
        goto out;
    st->writing = 1;
    if (job->out_dir) {
        spikes_open = 0;
        if (sm_out_commit(&spikes, err) || sm_sfrun_write(job->out_dir, doc, res, err))
            goto out;
    }
    st->t_write = s_now() - t3;
    st->writing = 0;
    rc = 0;
out:
    if (spikes_open)
        sm_out_abort(&spikes);
    if (rc && have_res)
        sm_sfrun_result_fini(res);
    if (rc || !json)
        cJSON_Delete(doc);
    else
        *json = doc;
    sm_sfrun_destroy(&run);
    sm_sanafe_synapses_fini(&syn);
    sm_sanafe_bound_destroy(&bound);
    sm_sanafe_snn_destroy(&snn);
    sm_sanafe_arch_destroy(&own);
    return rc;
}
