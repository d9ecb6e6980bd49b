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
 * object of the writer's shape) or that does not link is left to the JavaScript walk, which is the reference: it decides
 * every such row, reports breaks and names them. So a difference between the two can only
 * cost speed, never a verdict, provided an accepted row's canonical input is exactly the
 * one JavaScript builds; api/test/audit/chainLinks.test.ts compares them row by row.
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
#include <stdint.h>
#include <string.h>

#define COLUMNS 16
#define HASH_HEX 64
#define STATE_BYTES 256
#define PRACTICE_AT 96
#define PRACTICE_MAX (STATE_BYTES - PRACTICE_AT)
#define CANONICAL_MAX 8192

/* Column positions in the verifier's SELECT (AUDIT_COLUMNS in auditRowQuery.ts). */
enum { C_SEQ = 1, C_TIME = 2, C_ACTION = 5, C_OUTCOME = 9, C_REQUEST_ID = 12, C_METADATA = 13, C_PREV = 14, C_HASH = 15 };

static const char HEX_DIGITS[] = "0123456789abcdef";

/* COPY's text form of SQL NULL. */
static int is_null(const uint8_t* bytes, size_t length) {
  return length == 2 && bytes[0] == '\\' && bytes[1] == 'N';
}

/* True when every byte is printable ASCII other than quote and backslash: JSON.stringify and
 * COPY leave such a column as it is, so its JSON element is the bytes in quotes. */
static int is_plain(const uint8_t* bytes, size_t length) {
  for (size_t i = 0; i < length; i++) {
    uint8_t byte = bytes[i];
    if (byte < 0x20 || byte > 0x7e || byte == '"' || byte == '\\') return 0;
  }
  return 1;
}

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

/*
 * Metadata as jsonb prints an object of the audit writer's shape (flatJsonbMetadata.ts):
 * `{"key": value, "key": value}` with identifier keys and values that are strings of
 * printable ASCII without quote or backslash, integers of up to 15 digits, true, false or
 * null. Anything else is left to JavaScript.
 */
#define MEMBERS_MAX 64

typedef struct {
  const uint8_t* key;
  size_t key_length;
  const uint8_t* value;
  size_t value_length;
} member_t;

static int is_letter(uint8_t byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z');
}

static int is_digit(uint8_t byte) {
  return byte >= '0' && byte <= '9';
}

/* Length of the value at `p` (up to `end`) if it is one of the writer's, else 0. */
static size_t value_length(const uint8_t* p, const uint8_t* end) {
  if (p >= end) return 0;
  if (*p == '"') {
    for (const uint8_t* q = p + 1; q < end; q++) {
      if (*q == '"') return (size_t)(q - p) + 1;
      if (*q < 0x20 || *q > 0x7e || *q == '\\') return 0;
    }
    return 0;
  }
  static const char* const WORDS[] = { "true", "false", "null" };
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(WORDS[i]);
    if ((size_t)(end - p) >= n && memcmp(p, WORDS[i], n) == 0) return n;
  }
  if (*p == '0') return 1;
  const uint8_t* q = p;
  if (*q == '-') q++;
  if (q >= end || *q < '1' || *q > '9') return 0;
  size_t digits = 0;
  while (q < end && is_digit(*q) && digits < 16) {
    q++;
    digits++;
  }
  return digits <= 15 ? (size_t)(q - p) : 0;
}

static int key_before(const member_t* a, const member_t* b) {
  size_t n = a->key_length < b->key_length ? a->key_length : b->key_length;
  int order = memcmp(a->key, b->key, n);
  return order < 0 || (order == 0 && a->key_length < b->key_length);
}

/* Writes the metadata element: the canonical text (keys in code-unit order) as a JSON string. */
static int put_metadata(canonical_t* out, const uint8_t* printed, size_t length) {
  member_t members[MEMBERS_MAX];
  size_t count = 0;
  const uint8_t* end = printed + length;
  if (length < 2 || printed[0] != '{' || printed[length - 1] != '}') return 0;
  const uint8_t* p = printed + 1;
  if (length > 2) {
    for (;;) {
      if (count == MEMBERS_MAX || p >= end || *p != '"') return 0;
      const uint8_t* key = ++p;
      if (p >= end || !is_letter(*p)) return 0;
      while (p < end && (is_letter(*p) || is_digit(*p) || *p == '_')) p++;
      size_t key_length = (size_t)(p - key);
      if (end - p < 3 || p[0] != '"' || p[1] != ':' || p[2] != ' ') return 0;
      p += 3;
      size_t value = value_length(p, end);
      if (value == 0) return 0;
      members[count++] = (member_t){ key, key_length, p, value };
      p += value;
      if (p == end - 1) break;
      if (end - p < 2 || p[0] != ',' || p[1] != ' ') return 0;
      p += 2;
    }
  }
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
  if (!is_plain(col[0], len[0])) return 0;
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

static napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static int buffer_arg(napi_env env, napi_value value, uint8_t** data, size_t* length) {
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  return napi_get_buffer_info(env, value, (void**)data, length) == napi_ok;
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
    int count = 0;
    const uint8_t* start = line;
    for (const uint8_t* p = line; p <= end && count < COLUMNS; p++) {
      if (p == end || *p == '\t') {
        col[count] = start;
        len[count] = (size_t)(p - start);
        count++;
        start = p + 1;
        if (p == end) break;
      }
    }
    // Exactly 16 columns: the last one must end at the newline.
    if (count != COLUMNS || col[COLUMNS - 1] + len[COLUMNS - 1] != end) break;
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

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "acceptLinks", NAPI_AUTO_LENGTH, accept_links, NULL, &fn);
  napi_set_named_property(env, exports, "acceptLinks", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
