/* mds.c: being written. */
#include "config.h"
