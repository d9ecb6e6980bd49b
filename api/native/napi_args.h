/*
 * Argument handling shared by the addon's functions (chain_links.c, fhir_entries.c).
 */
#ifndef MEDSPA_NAPI_ARGS_H
#define MEDSPA_NAPI_ARGS_H

#include <node_api.h>
#include <stdint.h>

/* Throws a TypeError and returns the value a function gives back when it threw. */
static inline napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* 1 with the Buffer's bytes and length, 0 when `value` is not a Buffer. */
static inline int buffer_arg(napi_env env, napi_value value, uint8_t** data, size_t* length) {
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  return napi_get_buffer_info(env, value, (void**)data, length) == napi_ok;
}

#endif
