#include <stdio.h>

#include "commands.h"

int sm_cmd_conform(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "spikemesh conform: not built yet\n");
    return 2;
}
