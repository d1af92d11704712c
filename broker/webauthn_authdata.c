/* webauthn_authdata.c: being written. */
#include "config.h"
