/* webauthn.c: being written. */
#include "config.h"
