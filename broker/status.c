#include "config.h"
#include "status.h"
