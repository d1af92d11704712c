/* webflow.c: being written. */
#include "config.h"
