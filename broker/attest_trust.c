/* attest_trust.c: being written. */
#include "config.h"
