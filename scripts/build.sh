#!/bin/sh
# Installs the dependencies and builds latchkey in this checkout.
# Under CI (CI=true) warnings are errors.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	./autogen.sh
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
	if [ "${CI:-}" = true ]; then
		./configure --enable-werror
	else
		./configure
	fi
fi
make -j"$(nproc)"
