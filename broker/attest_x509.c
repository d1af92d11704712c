/* attest_x509.c: being written. */
#include "config.h"
