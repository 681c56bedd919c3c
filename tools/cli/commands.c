/* commands: what the subcommands share. In the library, not in main.c, so
 * that tests can call the commands in process. */
#include <string.h>

#include "commands.h"

int sm_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    return 0;
}
