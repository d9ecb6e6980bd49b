/*
 * Reading one COPY text line of an audit row (the SELECT of api/src/audit/auditRowQuery.ts),
 * shared by the addon's parts. Only the simplest shapes are read; anything else makes the
 * caller leave the row to JavaScript.
 */
#ifndef MEDSPA_COPY_COLUMNS_H
#define MEDSPA_COPY_COLUMNS_H

#include <stdint.h>
#include <string.h>

#define COLUMNS 16

/* Column positions (AUDIT_COLUMNS in auditRowQuery.ts). */
enum {
  C_ID = 0, C_SEQ = 1, C_TIME = 2, C_ACTOR = 3, C_ROLE = 4, C_ACTION = 5, C_ENTITY_TYPE = 6, C_ENTITY_ID = 7,
  C_PATIENT = 8, C_OUTCOME = 9, C_IP = 10, C_USER_AGENT = 11, C_REQUEST_ID = 12, C_METADATA = 13, C_PREV = 14, C_HASH = 15
};

/* COPY's text form of SQL NULL. */
static inline int is_null(const uint8_t* bytes, size_t length) {
  return length == 2 && bytes[0] == '\\' && bytes[1] == 'N';
}

/* True when every byte is printable ASCII other than quote and backslash: JSON.stringify and
 * COPY leave such a column as it is, so its JSON element is the bytes in quotes. */
static inline int is_plain_byte(uint8_t byte) {
  return byte >= 0x20 && byte <= 0x7e && byte != '"' && byte != '\\';
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Nonzero when some byte of `x` is 0 (the classic bit trick: exact as a yes/no answer). */
static inline uint64_t has_zero_byte(uint64_t x) {
  return (x - ONES) & ~x & HIGHS;
}

static inline int is_plain(const uint8_t* bytes, size_t length) {
  size_t i = 0;
  // Eight bytes at a time: any byte below 0x20, from 0x7f up, a quote or a backslash.
  for (; i + 8 <= length; i += 8) {
    uint64_t x;
    memcpy(&x, bytes + i, sizeof x);
    uint64_t bad = (x & HIGHS) | has_zero_byte(x ^ (0x7f * ONES)) | has_zero_byte(x ^ ('"' * ONES)) |
                   has_zero_byte(x ^ ('\\' * ONES)) | ((x - 0x20 * ONES) & ~x & HIGHS);
    if (bad != 0) return 0;
  }
  for (; i < length; i++) {
    if (!is_plain_byte(bytes[i])) return 0;
  }
  return 1;
}

/* Splits [line, end) at tabs: 1 when it has exactly COLUMNS columns. */
static inline int split_columns(const uint8_t* line, const uint8_t* end, const uint8_t* col[COLUMNS], size_t len[COLUMNS]) {
  const uint8_t* start = line;
  for (int count = 0; count < COLUMNS; count++) {
    const uint8_t* tab = memchr(start, '\t', (size_t)(end - start));
    const uint8_t* stop = tab == NULL ? end : tab;
    col[count] = start;
    len[count] = (size_t)(stop - start);
    if (tab == NULL) return count == COLUMNS - 1;
    start = tab + 1;
  }
  // A 17th column.
  return 0;
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

static inline int is_letter(uint8_t byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z');
}

static inline int is_digit(uint8_t byte) {
  return byte >= '0' && byte <= '9';
}

/* Length of the value at `p` (up to `end`) if it is one of the writer's, else 0. */
static inline size_t value_length(const uint8_t* p, const uint8_t* end) {
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

/*
 * The members of a printed flat object, in printed order; -1 when it is not one of the
 * writer's shape (see above) or has more than MEMBERS_MAX members.
 */
static inline int flat_members(const uint8_t* printed, size_t length, member_t members[MEMBERS_MAX]) {
  size_t count = 0;
  const uint8_t* end = printed + length;
  if (length < 2 || printed[0] != '{' || printed[length - 1] != '}') return -1;
  const uint8_t* p = printed + 1;
  if (length == 2) return 0;
  for (;;) {
    if (count == MEMBERS_MAX || p >= end || *p != '"') return -1;
    const uint8_t* key = ++p;
    if (p >= end || !is_letter(*p)) return -1;
    while (p < end && (is_letter(*p) || is_digit(*p) || *p == '_')) p++;
    size_t key_length = (size_t)(p - key);
    if (end - p < 3 || p[0] != '"' || p[1] != ':' || p[2] != ' ') return -1;
    p += 3;
    size_t value = value_length(p, end);
    if (value == 0) return -1;
    members[count++] = (member_t){ key, key_length, p, value };
    p += value;
    if (p == end - 1) return (int)count;
    if (end - p < 2 || p[0] != ',' || p[1] != ' ') return -1;
    p += 2;
  }
}

#endif
