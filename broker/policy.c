/* policy.c: being written. */
#include "config.h"
