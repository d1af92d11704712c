/* attest.c: being written. */
#include "config.h"
