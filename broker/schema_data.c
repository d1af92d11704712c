#include "config.h"
#include "schema_data.h"
const char schema_ldif[] = "";
