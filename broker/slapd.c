#include "config.h"
#include "slapd.h"
