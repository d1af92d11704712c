/* aaguid.c: being written. */
#include "config.h"
