#include "run_setup.h"

#include <string.h>

#include "mapfile.h"
#include "mapper.h"

int sm_run_conflicts(const char *chip, const char *mapping, const char *strategy, int seed_given,
                     uint32_t mesh_w, uint32_t neurons_per_core, sm_error_t *err)
{
    const char *grid = chip ? "--chip" : mapping ? "--mapping" : NULL;
    if (grid && (mesh_w || neurons_per_core))
        return sm_fail(err, SM_EINVAL,
                       "%s: not with %s, whose grid and core size are used (they set the default "
                       "mapping, without a chip or mapping file)",
                       mesh_w ? "--mesh" : "--neurons-per-core", grid);
    if ((strategy || seed_given) && (!chip || mapping))
        return sm_fail(err, SM_EINVAL, "%s: %s", strategy ? "--strategy" : "--seed",
                       mapping ? "not with --mapping, whose file places the neurons already"
                               : "needs --chip (the mapping strategies place neurons on a chip; "
                                 "without one, neurons fill cores in order)");
    return 0;
}

int sm_run_place(const sm_net_t *net, const sm_chip_t *chip, const char *mapping_path,
                 const char *strategy, uint64_t seed, const sm_progress_t *progress,
                 sm_map_report_t *rep, sm_mapping_t **map, sm_error_t *err)
{
    *map = NULL;
    if (rep)
        memset(rep, 0, sizeof *rep);
    if (mapping_path) {
        *map = sm_mapping_load(mapping_path, net, err);
        if (*map && chip && sm_map_check(net, chip, *map, rep, err))
            sm_mapping_destroy(map);
    } else if (chip) {
        const sm_map_opts_t o = {.strategy = strategy, .seed = seed, .progress = progress};
        *map = sm_map_with(net, chip, &o, rep, err);
    }
    return (mapping_path || chip) && !*map ? -1 : 0;
}

int sm_run_setup(const sm_net_t *net, const char *chip_name, const char *mapping_path,
                 const char *strategy, uint64_t seed, sm_chip_t **chip, sm_mapping_t **map,
                 sm_error_t *err)
{
    *chip = NULL;
    *map = NULL;
    if (chip_name && !(*chip = sm_chip_load(chip_name, err)))
        return -1;
    if (sm_run_place(net, *chip, mapping_path, strategy, seed, NULL, NULL, map, err)) {
        sm_chip_destroy(chip);
        return -1;
    }
    return 0;
}
