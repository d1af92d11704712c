/* cose.c: being written. */
#include "config.h"
