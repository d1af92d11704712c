/* passkey.c: being written. */
#include "config.h"
