int ms_shim_liburing(void) { return 0; }
