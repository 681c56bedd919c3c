#include "run_setup.h"

#include "mapfile.h"
#include "mapper.h"

int sm_run_place(const sm_net_t *net, const sm_chip_t *chip, const char *mapping_path,
                 const char *strategy, uint64_t seed, sm_mapping_t **map, sm_error_t *err)
{
    *map = NULL;
    if (mapping_path) {
        *map = sm_mapping_load(mapping_path, net, err);
        if (*map && chip && sm_map_check(net, chip, *map, NULL, err))
            sm_mapping_destroy(map);
    } else if (chip) {
        *map = sm_map(net, chip, strategy, seed, NULL, err);
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
    if (sm_run_place(net, *chip, mapping_path, strategy, seed, map, err)) {
        sm_chip_destroy(chip);
        return -1;
    }
    return 0;
}
