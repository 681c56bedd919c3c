#include "run_setup.h"

#include <string.h>

#include "mapfile.h"
#include "mapper.h"

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
