/* attest_apple.c: being written. */
#include "config.h"
