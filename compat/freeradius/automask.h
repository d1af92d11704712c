/* The Debian package leaves this header out; the real one only #undefs PACKAGE_* for modules. */
