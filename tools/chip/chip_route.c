/* chip_route: routes on a chip's grid, counted by the router's own walk
 * (sm_mesh_route) and priced with the chip's profile. */
#include "chip.h"
#include "mesh.h"

void sm_chip_route(const sm_chip_t *c, uint32_t from, uint32_t to, uint32_t *ew,
                   uint32_t *ns, uint32_t *chip)
{
    sm_mesh_t m = {.width = c->width, .height = c->height, .chip_w = c->chip_w,
                   .chip_h = c->chip_h, .link = NULL};
    sm_route_t r;
    sm_mesh_route(&m, from, to, 0, &r);
    if (ew)
        *ew = r.x - r.cross_x;
    if (ns)
        *ns = r.y - r.cross_y;
    if (chip)
        *chip = r.cross_x + r.cross_y;
}

double sm_chip_packet_pj(const sm_chip_t *c, uint32_t from, uint32_t to)
{
    uint32_t ew, ns, ch;
    sm_chip_route(c, from, to, &ew, &ns, &ch);
    const sm_chip_energy_t *e = &c->energy;
    return e->packet_send + e->packet_recv + ew * e->hop_ew + ns * e->hop_ns + ch * e->hop_chip;
}

void sm_chip_hop_prices(const sm_chip_t *chip, double *ew, double *ns, double *between)
{
    const sm_chip_energy_t *e = &chip->energy;
    double cew = e->hop_ew, cns = e->hop_ns;
    if (cew <= 0 && cns <= 0)
        cew = cns = 1.0;
    else if (cew <= 0)
        cew = cns;
    else if (cns <= 0)
        cns = cew;
    *ew = cew;
    *ns = cns;
    /* an unpriced chip crossing still costs at least an on-chip hop */
    *between = e->hop_chip > 0 ? e->hop_chip : (cew > cns ? cew : cns);
}

double sm_chip_route_cost(const sm_chip_t *chip, uint32_t from, uint32_t to)
{
    uint32_t ew, ns, ch;
    sm_chip_route(chip, from, to, &ew, &ns, &ch);
    double cew, cns, cch;
    sm_chip_hop_prices(chip, &cew, &cns, &cch);
    return ew * cew + ns * cns + ch * cch;
}
