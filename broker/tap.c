/* tap.c: being written. */
#include "config.h"
