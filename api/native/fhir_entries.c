/*
 * Native fast path of the FHIR audit export (api/src/audit/fhirNativeEntries.ts).
 *
 * writeFhirEntries(lines, from, pieces, dictionaries, out, at, state) writes Bundle entries
 * for the COPY rows of `lines` from byte `from` into `out` from byte `at`, exactly as
 * FhirEntryWriter#entry (api/src/audit/fhirEntryWriter.ts) writes them, with the separator
 * before each entry but the export's first. It knows only the recipe: every byte of FHIR
 * text comes from JavaScript, as the constant `pieces` and the `dictionaries` of fragments
 * per action, role and entity kind. It stops at the first row it cannot write as simply as
 * JavaScript would (a column that is not printable ASCII without quote and backslash, an
 * action, role or entity kind it has no fragment for yet, metadata that is not a flat object
 * of the writer's shape) or that does not fit in `out`; JavaScript writes that row.
 * api/test/audit/fhirNativeEntries.test.ts compares the two byte for byte.
 *
 * pieces: PIECE_COUNT times [u32 length][bytes], in the order of the enum below.
 * dictionaries: 3 times [u32 entries] then entries [u32 key length][key][u32 length][fragment],
 *   keys being a column's bytes as COPY printed it (actions, roles, entity kinds).
 * state (40 bytes, doubles): [0] in: 1 when no entry was written yet, out: entries written;
 *   [8] out: bytes written; [16] out: offset of the first written row's line; [24] of the last;
 *   [32] out: 1 when it stopped because `out` was full.
 */
#include <node_api.h>

#include "copy_columns.h"
#include "napi_args.h"

enum {
  P_ENTRY_START, P_RESOURCE_START, P_SEQ_START, P_PREV_HASH_START, P_HASH_START, P_REQUEST_ID_START,
  P_NO_REQUEST_ID, P_OUTCOME_SUCCESS_AGENT_START, P_OUTCOME_FAILURE_START, P_AGENT_START, P_WHO_START,
  P_NETWORK_START, P_USER_AGENT_START, P_SITE, P_ENTITY_START, P_PATIENT_START, P_PATIENT_TAIL,
  PIECE_COUNT
};
enum { D_ACTION, D_ROLE, D_ENTITY_KIND, DICTIONARY_COUNT };

typedef struct {
  const uint8_t* bytes;
  size_t length;
} bytes_t;

typedef struct {
  const uint8_t* entries;
  const uint8_t* end;
  uint32_t count;
} dictionary_t;

typedef struct {
  uint8_t* bytes;
  size_t length;
  size_t capacity;
  int full;
} output_t;

static void emit(output_t* out, const void* bytes, size_t length) {
  if (out->full || length > out->capacity - out->length) {
    out->full = 1;
    return;
  }
  memcpy(out->bytes + out->length, bytes, length);
  out->length += length;
}

static void emit_piece(output_t* out, bytes_t piece) {
  emit(out, piece.bytes, piece.length);
}

static void emit_text(output_t* out, const char* text) {
  emit(out, text, strlen(text));
}

/* A column as a JSON string: the bytes in quotes (callers checked they need no escaping). */
static void emit_quoted(output_t* out, const uint8_t* bytes, size_t length) {
  emit_text(out, "\"");
  emit(out, bytes, length);
  emit_text(out, "\"");
}

static int read_u32(const uint8_t** p, const uint8_t* end, uint32_t* value) {
  if ((size_t)(end - *p) < 4) return 0;
  *value = (uint32_t)(*p)[0] | ((uint32_t)(*p)[1] << 8) | ((uint32_t)(*p)[2] << 16) | ((uint32_t)(*p)[3] << 24);
  *p += 4;
  return 1;
}

static int read_bytes(const uint8_t** p, const uint8_t* end, bytes_t* bytes) {
  uint32_t length;
  if (!read_u32(p, end, &length) || (size_t)(end - *p) < length) return 0;
  bytes->bytes = *p;
  bytes->length = length;
  *p += length;
  return 1;
}

/* The fragment for `key`, or 0 when the dictionary has none. */
static int lookup(const dictionary_t* dictionary, const uint8_t* key, size_t key_length, bytes_t* fragment) {
  const uint8_t* p = dictionary->entries;
  for (uint32_t i = 0; i < dictionary->count; i++) {
    bytes_t entry_key;
    if (!read_bytes(&p, dictionary->end, &entry_key) || !read_bytes(&p, dictionary->end, fragment)) return 0;
    if (entry_key.length == key_length && memcmp(entry_key.bytes, key, key_length) == 0) return 1;
  }
  return 0;
}

/* entity.detail of flat metadata (detailOf in fhirEntryWriter.ts): printed order, empty strings left out. */
static int emit_detail(output_t* out, const member_t* members, int count) {
  int written = 0;
  for (int i = 0; i < count; i++) {
    const member_t* member = &members[i];
    if (member->value_length == 2 && member->value[0] == '"') continue;
    emit_text(out, written == 0 ? "[{\"type\":\"" : ",{\"type\":\"");
    emit(out, member->key, member->key_length);
    emit_text(out, "\",\"valueString\":");
    if (member->value[0] == '"') {
      emit(out, member->value, member->value_length);
    } else {
      emit_quoted(out, member->value, member->value_length);
    }
    emit_text(out, "}");
    written++;
  }
  if (written > 0) emit_text(out, "]");
  return written;
}

/* Writes one row's entry; 0 (and nothing kept) when JavaScript must write it. */
static int write_entry(const uint8_t* const col[COLUMNS], const size_t len[COLUMNS], const bytes_t pieces[PIECE_COUNT],
                       const dictionary_t dictionaries[DICTIONARY_COUNT], output_t* out, int separator) {
  // Columns written as they are must be plain (COPY's NULL, \N, is not); the others plain or NULL.
  static const int RAW[] = { C_ID, C_SEQ, C_TIME, C_ACTION, C_OUTCOME, C_PREV, C_HASH };
  for (size_t i = 0; i < sizeof RAW / sizeof RAW[0]; i++) {
    if (!is_plain(col[RAW[i]], len[RAW[i]])) return 0;
  }
  static const int NULLABLE[] = { C_ACTOR, C_ROLE, C_ENTITY_TYPE, C_ENTITY_ID, C_PATIENT, C_IP, C_USER_AGENT, C_REQUEST_ID };
  for (size_t i = 0; i < sizeof NULLABLE / sizeof NULLABLE[0]; i++) {
    int c = NULLABLE[i];
    if (!is_null(col[c], len[c]) && !is_plain(col[c], len[c])) return 0;
  }
  bytes_t action, role = { NULL, 0 }, kind;
  if (!lookup(&dictionaries[D_ACTION], col[C_ACTION], len[C_ACTION], &action)) return 0;
  if (!is_null(col[C_ROLE], len[C_ROLE]) && !lookup(&dictionaries[D_ROLE], col[C_ROLE], len[C_ROLE], &role)) return 0;
  int has_entity = !is_null(col[C_ENTITY_ID], len[C_ENTITY_ID]);
  if (has_entity && !lookup(&dictionaries[D_ENTITY_KIND], col[C_ENTITY_TYPE], len[C_ENTITY_TYPE], &kind)) return 0;
  member_t members[MEMBERS_MAX];
  int member_count = 0;
  if (!is_null(col[C_METADATA], len[C_METADATA])) {
    member_count = flat_members(col[C_METADATA], len[C_METADATA], members);
    if (member_count < 0) return 0;
  }
  int has_detail = 0;
  for (int i = 0; i < member_count; i++) {
    if (!(members[i].value_length == 2 && members[i].value[0] == '"')) has_detail = 1;
  }

  if (separator) emit_text(out, ",");
  emit_piece(out, pieces[P_ENTRY_START]);
  emit(out, col[C_ID], len[C_ID]);
  emit_piece(out, pieces[P_RESOURCE_START]);
  emit(out, col[C_ID], len[C_ID]);
  emit_piece(out, pieces[P_SEQ_START]);
  emit(out, col[C_SEQ], len[C_SEQ]);
  emit_piece(out, pieces[P_PREV_HASH_START]);
  emit(out, col[C_PREV], len[C_PREV]);
  emit_piece(out, pieces[P_HASH_START]);
  emit(out, col[C_HASH], len[C_HASH]);
  if (is_null(col[C_REQUEST_ID], len[C_REQUEST_ID])) {
    emit_piece(out, pieces[P_NO_REQUEST_ID]);
  } else {
    emit_piece(out, pieces[P_REQUEST_ID_START]);
    emit_quoted(out, col[C_REQUEST_ID], len[C_REQUEST_ID]);
    emit_text(out, "}");
  }
  emit_piece(out, action);
  emit(out, col[C_TIME], len[C_TIME]);
  if (len[C_OUTCOME] == 7 && memcmp(col[C_OUTCOME], "success", 7) == 0) {
    emit_piece(out, pieces[P_OUTCOME_SUCCESS_AGENT_START]);
  } else {
    emit_piece(out, pieces[P_OUTCOME_FAILURE_START]);
    emit_quoted(out, col[C_OUTCOME], len[C_OUTCOME]);
    emit_piece(out, pieces[P_AGENT_START]);
  }
  if (role.bytes != NULL) emit_piece(out, role);
  if (!is_null(col[C_ACTOR], len[C_ACTOR])) {
    emit_piece(out, pieces[P_WHO_START]);
    emit(out, col[C_ACTOR], len[C_ACTOR]);
    emit_text(out, "\"}}");
  }
  if (!is_null(col[C_IP], len[C_IP])) {
    emit_piece(out, pieces[P_NETWORK_START]);
    emit_quoted(out, col[C_IP], len[C_IP]);
    emit_text(out, ",\"type\":\"2\"}");
  }
  if (!is_null(col[C_USER_AGENT], len[C_USER_AGENT])) {
    emit_piece(out, pieces[P_USER_AGENT_START]);
    emit_quoted(out, col[C_USER_AGENT], len[C_USER_AGENT]);
    emit_text(out, "}]");
  }
  emit_piece(out, pieces[P_SITE]);
  int entities = 0;
  if (has_entity || has_detail) {
    emit_piece(out, pieces[P_ENTITY_START]);
    if (has_entity) {
      emit_piece(out, kind);
      emit_quoted(out, col[C_ENTITY_ID], len[C_ENTITY_ID]);
      emit_text(out, "}}");
    }
    if (has_detail) {
      emit_text(out, ",\"detail\":");
      emit_detail(out, members, member_count);
    }
    emit_text(out, "}");
    entities = 1;
  }
  if (!is_null(col[C_PATIENT], len[C_PATIENT])) {
    emit_text(out, entities ? "," : ",\"entity\":[");
    emit_piece(out, pieces[P_PATIENT_START]);
    emit(out, col[C_PATIENT], len[C_PATIENT]);
    emit_piece(out, pieces[P_PATIENT_TAIL]);
    entities = 1;
  }
  if (entities) emit_text(out, "]");
  emit_text(out, "}}");
  return !out->full;
}

static napi_value write_fhir_entries(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  uint8_t *lines, *piece_bytes, *dictionary_bytes, *out_bytes, *state;
  size_t lines_length, pieces_length, dictionaries_length, out_length, state_length;
  double from_number, at_number;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7 || !buffer_arg(env, argv[0], &lines, &lines_length) ||
      napi_get_value_double(env, argv[1], &from_number) != napi_ok || !buffer_arg(env, argv[2], &piece_bytes, &pieces_length) ||
      !buffer_arg(env, argv[3], &dictionary_bytes, &dictionaries_length) || !buffer_arg(env, argv[4], &out_bytes, &out_length) ||
      napi_get_value_double(env, argv[5], &at_number) != napi_ok || !buffer_arg(env, argv[6], &state, &state_length)) {
    return throw_type(env, "writeFhirEntries(lines, from, pieces, dictionaries, out, at, state)");
  }
  if (state_length != 40 || !(from_number >= 0 && from_number <= (double)lines_length) || !(at_number >= 0 && at_number <= (double)out_length)) {
    return throw_type(env, "writeFhirEntries: state or offset out of range");
  }
  bytes_t pieces[PIECE_COUNT];
  const uint8_t* p = piece_bytes;
  for (int i = 0; i < PIECE_COUNT; i++) {
    if (!read_bytes(&p, piece_bytes + pieces_length, &pieces[i])) return throw_type(env, "writeFhirEntries: malformed pieces");
  }
  dictionary_t dictionaries[DICTIONARY_COUNT];
  const uint8_t* d = dictionary_bytes;
  const uint8_t* d_end = dictionary_bytes + dictionaries_length;
  for (int i = 0; i < DICTIONARY_COUNT; i++) {
    uint32_t count;
    if (!read_u32(&d, d_end, &count)) return throw_type(env, "writeFhirEntries: malformed dictionaries");
    dictionaries[i].entries = d;
    dictionaries[i].end = d_end;
    dictionaries[i].count = count;
    for (uint32_t e = 0; e < count; e++) {
      bytes_t skip;
      if (!read_bytes(&d, d_end, &skip) || !read_bytes(&d, d_end, &skip)) return throw_type(env, "writeFhirEntries: malformed dictionaries");
    }
  }
  double first;
  memcpy(&first, state, sizeof first);
  output_t out = { out_bytes, (size_t)at_number, out_length, 0 };
  size_t at = (size_t)from_number;
  double rows = 0, first_line = -1, last_line = -1;
  while (at < lines_length) {
    const uint8_t* line = lines + at;
    const uint8_t* end = memchr(line, '\n', lines_length - at);
    if (end == NULL) break;
    const uint8_t* col[COLUMNS];
    size_t len[COLUMNS];
    if (!split_columns(line, end, col, len)) break;
    size_t row_start = out.length;
    if (!write_entry(col, len, pieces, dictionaries, &out, first == 0 || rows > 0)) {
      out.length = row_start;
      break;
    }
    if (first_line < 0) first_line = (double)at;
    last_line = (double)at;
    rows++;
    at = (size_t)(end - lines) + 1;
  }
  double written = (double)(out.length - (size_t)at_number);
  memcpy(state, &rows, sizeof rows);
  memcpy(state + 8, &written, sizeof written);
  memcpy(state + 16, &first_line, sizeof first_line);
  memcpy(state + 24, &last_line, sizeof last_line);
  double full = out.full ? 1 : 0;
  memcpy(state + 32, &full, sizeof full);
  napi_value result;
  napi_create_double(env, (double)at, &result);
  return result;
}

void register_fhir_entries(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "writeFhirEntries", NAPI_AUTO_LENGTH, write_fhir_entries, NULL, &fn);
  napi_set_named_property(env, exports, "writeFhirEntries", fn);
}
