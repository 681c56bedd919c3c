#include <stdio.h>

#include "commands.h"

int sm_cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "spikemesh run: the engine is not built yet\n");
    return 2;
}
