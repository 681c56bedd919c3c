/* sanafe_load: a network file of either format (the netlist or the SNN YAML). */
#include <stdio.h>
#include <string.h>

#include "sanafe_snn.h"

static int s_is_netlist(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && !strcmp(path + n - 4, ".net"))
        return 1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char line[256];
    int yes = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line + strspn(line, " \t\r\n");
        if (!*p || *p == '#')
            continue;
        yes = strchr("gne&", *p) && (p[1] == ' ' || p[1] == '\t');
        break;
    }
    fclose(f);
    return yes;
}

sm_sanafe_snn_t *sm_sanafe_snn_load(const char *path, sm_error_t *err)
{
    if (s_is_netlist(path))
        return sm_sanafe_netlist_load(path, err);
    sm_yaml_t *doc = sm_yaml_load(path, NULL, err);
    if (!doc)
        return NULL;
    sm_sanafe_snn_t *s = sm_sanafe_snn_read(doc, err);
    sm_yaml_destroy(&doc);
    return s;
}
