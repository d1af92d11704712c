/* attest_android.c: being written. */
#include "config.h"
