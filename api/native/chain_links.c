/*
 * Native fast path of the audit chain verifier (api/src/audit/chainLinks.ts).
 *
 * acceptLinks(lines, from, state, leaves) walks complete COPY text lines of audit rows
 * (the verifier's SELECT, api/src/audit/auditRowQuery.ts) from byte `from` and accepts each
 * row that is plainly the next link of the chain: seq is the next number, prev_hash is the
 * previous row's hash, and SHA-256 of the row's canonical input (chainHashOfText in
 * api/src/audit/chainHash.ts) is the stored hash. For each accepted row it writes the RFC
 * 9162 leaf hash, SHA-256(0x00 || hash), into `leaves`. It returns the offset of the first
 * row it did not accept.
 *
 * It only ever accepts. A row it cannot encode as simply as JavaScript would (every hashed
 * column ASCII without quote, backslash or control characters; metadata NULL or a flat
 * object of the writer's shape) or that does not link is left to the JavaScript walk, which
 * is the reference: it decides every such row, reports breaks and names them. So a
 * difference between the two can only cost speed, never a verdict, provided an accepted
 * row's canonical input is exactly the one JavaScript builds; api/test/audit/
 * chainLinks.test.ts compares them row by row.
 *
 * State (a 256-byte buffer shared with JavaScript, little-endian):
 *   [0, 8)     double  seq of the last accepted row (in: the walk's last seq)
 *   [8, 72)    ASCII   hash of the last accepted row (in: the walk's last hash)
 *   [72, 80)   double  in: how many rows at most to accept; out: how many were accepted
 *   [80, 88)   double  out: offset of the last accepted row's line
 *   [88, 96)   double  length of the practice element
 *   [96, 256)  ASCII   practice element: the practice id as a JSON string, quotes included
 *
 * SHA-256 is OpenSSL's, the one Node itself links.
 */
#include <node_api.h>
#include <openssl/sha.h>

#include "copy_columns.h"
#include "napi_args.h"

#define HASH_HEX 64
#define STATE_BYTES 256
#define PRACTICE_AT 96
#define PRACTICE_MAX (STATE_BYTES - PRACTICE_AT)
#define CANONICAL_MAX 8192

static const char HEX_DIGITS[] = "0123456789abcdef";

typedef struct {
  uint8_t* bytes;
  size_t length;
  int full;
} canonical_t;

static void put(canonical_t* out, const void* bytes, size_t length) {
  if (out->full || out->length + length > CANONICAL_MAX) {
    out->full = 1;
    return;
  }
  memcpy(out->bytes + out->length, bytes, length);
  out->length += length;
}

static void put_text(canonical_t* out, const char* text) {
  put(out, text, strlen(text));
}

static int key_before(const member_t* a, const member_t* b) {
  size_t n = a->key_length < b->key_length ? a->key_length : b->key_length;
  int order = memcmp(a->key, b->key, n);
  return order < 0 || (order == 0 && a->key_length < b->key_length);
}

/* Writes the metadata element: the canonical text (keys in code-unit order) as a JSON string. */
static int put_metadata(canonical_t* out, const uint8_t* printed, size_t length) {
  member_t members[MEMBERS_MAX];
  int parsed = flat_members(printed, length, members);
  if (parsed < 0) return 0;
  size_t count = (size_t)parsed;
  // Insertion sort: a handful of members.
  for (size_t i = 1; i < count; i++) {
    member_t moving = members[i];
    size_t j = i;
    while (j > 0 && key_before(&moving, &members[j - 1])) {
      members[j] = members[j - 1];
      j--;
    }
    members[j] = moving;
  }
  put_text(out, "\"{");
  for (size_t i = 0; i < count; i++) {
    if (i > 0) {
      if (members[i].key_length == members[i - 1].key_length && memcmp(members[i].key, members[i - 1].key, members[i].key_length) == 0) {
        return 0;
      }
      put_text(out, ",");
    }
    put_text(out, "\\\"");
    put(out, members[i].key, members[i].key_length);
    put_text(out, "\\\":");
    if (members[i].value[0] == '"') {
      put_text(out, "\\\"");
      put(out, members[i].value + 1, members[i].value_length - 2);
      put_text(out, "\\\"");
    } else {
      put(out, members[i].value, members[i].value_length);
    }
  }
  put_text(out, "}\"");
  return 1;
}

/* Decimal digits of a seq (a positive integer below 2^53). */
static size_t seq_digits(double seq, char* digits) {
  char reversed[24];
  size_t count = 0;
  uint64_t value = (uint64_t)seq;
  do {
    reversed[count++] = (char)('0' + value % 10);
    value /= 10;
  } while (value > 0 && count < sizeof reversed);
  for (size_t i = 0; i < count; i++) digits[i] = reversed[count - 1 - i];
  return count;
}

/*
 * Accepts one row if it is plainly the next link; writes its leaf hash. Returns 1 when
 * accepted. `col` and `len` are the 16 columns' starts and lengths.
 */
static int accept_row(const uint8_t* const col[COLUMNS], const size_t len[COLUMNS], uint8_t* state, uint8_t* leaf) {
  double last_seq;
  memcpy(&last_seq, state, sizeof last_seq);
  const uint8_t* last_hash = state + 8;

  // seq: the next number, as COPY prints it.
  char seq[24];
  size_t seq_length = seq_digits(last_seq + 1, seq);
  if (len[C_SEQ] != seq_length || memcmp(col[C_SEQ], seq, seq_length) != 0) return 0;
  if (len[C_PREV] != HASH_HEX || memcmp(col[C_PREV], last_hash, HASH_HEX) != 0) return 0;
  if (len[C_HASH] != HASH_HEX) return 0;
  // The id is not hashed, but the walk may report it: keep to rows JavaScript reads as they are.
  if (!is_plain(col[C_ID], len[C_ID])) return 0;
  // occurred_at with microseconds; the writer stores whole milliseconds (millisecondTimeElement).
  if (len[C_TIME] != 27 || !is_plain(col[C_TIME], 27) || memcmp(col[C_TIME] + 23, "000Z", 4) != 0) return 0;
  if (is_null(col[C_ACTION], len[C_ACTION]) || is_null(col[C_OUTCOME], len[C_OUTCOME])) return 0;

  uint8_t bytes[CANONICAL_MAX];
  canonical_t out = { bytes, 0, 0 };
  double practice_length;
  memcpy(&practice_length, state + 88, sizeof practice_length);
  // ["prev","practice","seq","time",actor,role,action,entity type,entity id,patient,outcome,ip,agent,request,metadata]
  put_text(&out, "[\"");
  put(&out, last_hash, HASH_HEX);
  put_text(&out, "\",");
  put(&out, state + PRACTICE_AT, (size_t)practice_length);
  put_text(&out, ",\"");
  put(&out, seq, seq_length);
  put_text(&out, "\",\"");
  put(&out, col[C_TIME], 23);
  put_text(&out, "Z\"");
  for (int c = C_TIME + 1; c <= C_REQUEST_ID; c++) {
    put_text(&out, ",");
    if (is_null(col[c], len[c])) {
      put_text(&out, "null");
    } else {
      if (!is_plain(col[c], len[c])) return 0;
      put_text(&out, "\"");
      put(&out, col[c], len[c]);
      put_text(&out, "\"");
    }
  }
  put_text(&out, ",");
  if (is_null(col[C_METADATA], len[C_METADATA])) {
    put_text(&out, "null");
  } else if (!put_metadata(&out, col[C_METADATA], len[C_METADATA])) {
    return 0;
  }
  put_text(&out, "]");
  if (out.full) return 0;

  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(out.bytes, out.length, digest);
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
    if (col[C_HASH][2 * i] != (uint8_t)HEX_DIGITS[digest[i] >> 4] || col[C_HASH][2 * i + 1] != (uint8_t)HEX_DIGITS[digest[i] & 15]) {
      return 0;
    }
  }
  uint8_t leaf_input[1 + SHA256_DIGEST_LENGTH];
  leaf_input[0] = 0x00;
  memcpy(leaf_input + 1, digest, SHA256_DIGEST_LENGTH);
  SHA256(leaf_input, sizeof leaf_input, leaf);

  last_seq += 1;
  memcpy(state, &last_seq, sizeof last_seq);
  memcpy(state + 8, col[C_HASH], HASH_HEX);
  return 1;
}

static napi_value accept_links(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    return throw_type(env, "acceptLinks(lines, from, state, leaves)");
  }
  uint8_t *lines, *state, *leaves;
  size_t lines_length, state_length, leaves_length;
  double from_number;
  if (!buffer_arg(env, argv[0], &lines, &lines_length) || napi_get_value_double(env, argv[1], &from_number) != napi_ok ||
      !buffer_arg(env, argv[2], &state, &state_length) || !buffer_arg(env, argv[3], &leaves, &leaves_length)) {
    return throw_type(env, "acceptLinks(lines: Buffer, from: number, state: Buffer, leaves: Buffer)");
  }
  double practice_length, budget;
  if (state_length != STATE_BYTES) return throw_type(env, "state must be 256 bytes");
  memcpy(&practice_length, state + 88, sizeof practice_length);
  memcpy(&budget, state + 72, sizeof budget);
  if (!(practice_length >= 0 && practice_length <= PRACTICE_MAX) || !(from_number >= 0 && from_number <= (double)lines_length) ||
      !(budget >= 0)) {
    return throw_type(env, "acceptLinks: state or offset out of range");
  }
  size_t capacity = leaves_length / SHA256_DIGEST_LENGTH;
  size_t limit = budget < (double)capacity ? (size_t)budget : capacity;

  size_t at = (size_t)from_number;
  size_t accepted = 0;
  double last_line = -1;
  while (at < lines_length && accepted < limit) {
    const uint8_t* line = lines + at;
    const uint8_t* end = memchr(line, '\n', lines_length - at);
    if (end == NULL) break;
    const uint8_t* col[COLUMNS];
    size_t len[COLUMNS];
    if (!split_columns(line, end, col, len)) break;
    if (!accept_row(col, len, state, leaves + accepted * SHA256_DIGEST_LENGTH)) break;
    last_line = (double)at;
    accepted++;
    at = (size_t)(end - lines) + 1;
  }
  double accepted_number = (double)accepted;
  memcpy(state + 72, &accepted_number, sizeof accepted_number);
  memcpy(state + 80, &last_line, sizeof last_line);
  napi_value result;
  napi_create_double(env, (double)at, &result);
  return result;
}

void register_fhir_entries(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
  register_fhir_entries(env, exports);
  napi_value fn;
  napi_create_function(env, "acceptLinks", NAPI_AUTO_LENGTH, accept_links, NULL, &fn);
  napi_set_named_property(env, exports, "acceptLinks", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
