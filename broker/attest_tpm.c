/* attest_tpm.c: being written. */
#include "config.h"
