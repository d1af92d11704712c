/* ceremony.c: being written. */
#include "config.h"
