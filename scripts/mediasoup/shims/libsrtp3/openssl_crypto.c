// AES-ICM (AES_CM_128/256), AES-GCM (AEAD_AES_128/256_GCM) and HMAC-SHA1 for libsrtp2 on top
// of OpenSSL EVP.
//
// Debian builds libsrtp2 with NSS crypto; its NSS backend sets up a PK11 context per packet
// and perf showed NSS taking about half of the worker's CPU under the SFU bench. libsrtp2 lets
// an application swap the implementation of a cipher or auth type after srtp_init()
// (srtp_replace_cipher_type / srtp_replace_auth_type): the replacement must pass its own test
// vectors and those of the type it replaces before libsrtp2 accepts it. The keyed OpenSSL
// contexts live for a stream's lifetime and are only re-IV'd / reset per packet.
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/crypto_types.h>
#include <srtp2/srtp.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

srtp_err_status_t ms_srtp3_shim_init(void);
srtp_err_status_t ms_srtp3_shim_replace_crypto(void);

// RFC 3711 §4.1.1: a 112-bit salt, left-aligned in the 128-bit counter block.
enum { SALT_LEN = 14, BLOCK_LEN = 16, SHA1_LEN = 20 };
// RFC 7714 §8.1 and §12: a 96-bit salt (srtp.c XORs it into the IV itself) and a 16- or 8-octet tag.
enum { GCM_SALT_LEN = 12, GCM_IV_LEN = 12, GCM_TAG_LEN = 16, GCM_TAG_LEN_8 = 8 };

/* ---------- Cipher objects shared by both modes ---------- */

/*
 * A libsrtp cipher with a zeroed state of state_size bytes and a fresh OpenSSL context,
 * which the caller stores in its state; on failure nothing is left allocated.
 */
static srtp_err_status_t evp_cipher_alloc(srtp_cipher_t **cp, const srtp_cipher_type_t *type, int key_len,
                                          int algorithm, size_t state_size, EVP_CIPHER_CTX **ctx_out)
{
	srtp_cipher_t *cipher = calloc(1, sizeof(*cipher));
	void *state = calloc(1, state_size);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (cipher == NULL || state == NULL || ctx == NULL) {
		free(cipher);
		free(state);
		EVP_CIPHER_CTX_free(ctx);
		return srtp_err_status_alloc_fail;
	}
	cipher->type = type;
	cipher->state = state;
	cipher->key_len = key_len;
	cipher->algorithm = algorithm;
	*ctx_out = ctx;
	*cp = cipher;
	return srtp_err_status_ok;
}

/** Frees what evp_cipher_alloc made, wiping the state (it holds key material). */
static srtp_err_status_t evp_cipher_dealloc(srtp_cipher_t *cipher, EVP_CIPHER_CTX *ctx, size_t state_size)
{
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(cipher->state, state_size);
	free(cipher->state);
	free(cipher);
	return srtp_err_status_ok;
}

/* ---------- AES in counter mode (RFC 3711 §4.1.1, RFC 6188) ---------- */

typedef struct {
	EVP_CIPHER_CTX *ctx;
	uint8_t salt[BLOCK_LEN]; // salt followed by two zero octets (the block counter)
	int aes_key_len;         // 16 or 32
} icm_state;

static const srtp_cipher_type_t icm_128_type;
static const srtp_cipher_type_t icm_256_type;

static srtp_err_status_t icm_alloc(srtp_cipher_t **cp, int key_len, int tag_len,
                                   const srtp_cipher_type_t *type, int aes_key_len,
                                   int algorithm)
{
	(void)tag_len;
	// libsrtp2 passes the key and salt length together.
	if (key_len != aes_key_len + SALT_LEN)
		return srtp_err_status_bad_param;
	EVP_CIPHER_CTX *ctx;
	srtp_err_status_t status = evp_cipher_alloc(cp, type, key_len, algorithm, sizeof(icm_state), &ctx);
	if (status != srtp_err_status_ok)
		return status;
	icm_state *state = (*cp)->state;
	state->ctx = ctx;
	state->aes_key_len = aes_key_len;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_128_alloc(srtp_cipher_t **cp, int key_len, int tag_len)
{
	return icm_alloc(cp, key_len, tag_len, &icm_128_type, 16, SRTP_AES_ICM_128);
}

static srtp_err_status_t icm_256_alloc(srtp_cipher_t **cp, int key_len, int tag_len)
{
	return icm_alloc(cp, key_len, tag_len, &icm_256_type, 32, SRTP_AES_ICM_256);
}

static srtp_err_status_t icm_dealloc(srtp_cipher_t *cipher)
{
	icm_state *state = cipher->state;
	return evp_cipher_dealloc(cipher, state->ctx, sizeof(*state));
}

/** key = AES key followed by the 14-octet salt. */
static srtp_err_status_t icm_init(void *cv, const uint8_t *key)
{
	icm_state *state = cv;
	memset(state->salt, 0, sizeof(state->salt));
	memcpy(state->salt, key + state->aes_key_len, SALT_LEN);
	const EVP_CIPHER *aes = state->aes_key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
	if (EVP_EncryptInit_ex(state->ctx, aes, NULL, key, NULL) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/** iv = the per-packet value libsrtp2 derives from SSRC and index; counter = salt XOR iv. */
static srtp_err_status_t icm_set_iv(void *cv, uint8_t *iv, srtp_cipher_direction_t direction)
{
	(void)direction; // counter mode: the same keystream both ways
	icm_state *state = cv;
	uint8_t counter[BLOCK_LEN];
	for (int i = 0; i < BLOCK_LEN; i++)
		counter[i] = state->salt[i] ^ iv[i];
	// Only the IV changes: the expanded key in the context is kept.
	if (EVP_EncryptInit_ex(state->ctx, NULL, NULL, NULL, counter) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_crypt(void *cv, uint8_t *buffer, unsigned int *octets)
{
	icm_state *state = cv;
	int out = 0;
	if (*octets > INT32_MAX || EVP_EncryptUpdate(state->ctx, buffer, &out, buffer, (int)*octets) != 1)
		return srtp_err_status_cipher_fail;
	// A stream mode writes every octet in Update; Final would add nothing.
	*octets = (unsigned int)out;
	return srtp_err_status_ok;
}

// RFC 3711 Appendix B.2 (keystream for a zero IV = encryption of zeros).
static const uint8_t icm_128_key[30] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm_128_keystream[48] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
	0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
	0x41, 0xe9, 0x5b, 0x3b, 0xb0, 0xa2, 0xe8, 0xdd, 0x47, 0x79, 0x01, 0xe4, 0xfc, 0xa8, 0x94, 0xc0,
};
// RFC 6188 §7.1.
static const uint8_t icm_256_key[46] = {
	0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70, 0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
	0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82, 0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm_256_keystream[48] = {
	0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25, 0x11, 0xc6, 0x77, 0xd0, 0x8b, 0x55, 0x15, 0xa4,
	0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8, 0x54, 0xf6, 0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
	0x63, 0xc4, 0x86, 0x8b, 0x70, 0x96, 0xd8, 0x84, 0x21, 0xb5, 0x63, 0xb8, 0xc9, 0x4c, 0x9a, 0x31,
};
static const uint8_t zeros[48];
static uint8_t zero_iv[BLOCK_LEN];

static const srtp_cipher_test_case_t icm_128_test = {
	.key_length_octets = sizeof(icm_128_key), .key = icm_128_key, .idx = zero_iv,
	.plaintext_length_octets = sizeof(zeros), .plaintext = zeros,
	.ciphertext_length_octets = sizeof(icm_128_keystream), .ciphertext = icm_128_keystream,
};
static const srtp_cipher_test_case_t icm_256_test = {
	.key_length_octets = sizeof(icm_256_key), .key = icm_256_key, .idx = zero_iv,
	.plaintext_length_octets = sizeof(zeros), .plaintext = zeros,
	.ciphertext_length_octets = sizeof(icm_256_keystream), .ciphertext = icm_256_keystream,
};

static const srtp_cipher_type_t icm_128_type = {
	.alloc = icm_128_alloc, .dealloc = icm_dealloc, .init = icm_init,
	.encrypt = icm_crypt, .decrypt = icm_crypt, .set_iv = icm_set_iv,
	.description = "AES-128 counter mode using OpenSSL EVP (medspa shim)",
	.test_data = &icm_128_test, .id = SRTP_AES_ICM_128,
};
static const srtp_cipher_type_t icm_256_type = {
	.alloc = icm_256_alloc, .dealloc = icm_dealloc, .init = icm_init,
	.encrypt = icm_crypt, .decrypt = icm_crypt, .set_iv = icm_set_iv,
	.description = "AES-256 counter mode using OpenSSL EVP (medspa shim)",
	.test_data = &icm_256_test, .id = SRTP_AES_ICM_256,
};

/* ---------- AES-GCM (RFC 7714) ---------- */

typedef struct {
	EVP_CIPHER_CTX *ctx;
	int aes_key_len; // 16 or 32
	int tag_len;
	srtp_cipher_direction_t direction; // of the packet in progress (set_iv)
} gcm_state;

static const srtp_cipher_type_t gcm_128_type;
static const srtp_cipher_type_t gcm_256_type;

static srtp_err_status_t gcm_alloc(srtp_cipher_t **cp, int key_len, int tag_len,
                                   const srtp_cipher_type_t *type, int aes_key_len,
                                   int algorithm)
{
	if (key_len != aes_key_len + GCM_SALT_LEN || (tag_len != GCM_TAG_LEN && tag_len != GCM_TAG_LEN_8))
		return srtp_err_status_bad_param;
	EVP_CIPHER_CTX *ctx;
	srtp_err_status_t status = evp_cipher_alloc(cp, type, key_len, algorithm, sizeof(gcm_state), &ctx);
	if (status != srtp_err_status_ok)
		return status;
	gcm_state *state = (*cp)->state;
	state->ctx = ctx;
	state->aes_key_len = aes_key_len;
	state->tag_len = tag_len;
	state->direction = srtp_direction_any;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_128_alloc(srtp_cipher_t **cp, int key_len, int tag_len)
{
	return gcm_alloc(cp, key_len, tag_len, &gcm_128_type, 16, SRTP_AES_GCM_128);
}

static srtp_err_status_t gcm_256_alloc(srtp_cipher_t **cp, int key_len, int tag_len)
{
	return gcm_alloc(cp, key_len, tag_len, &gcm_256_type, 32, SRTP_AES_GCM_256);
}

static srtp_err_status_t gcm_dealloc(srtp_cipher_t *cipher)
{
	gcm_state *state = cipher->state;
	return evp_cipher_dealloc(cipher, state->ctx, sizeof(*state));
}

/** key = AES key followed by the salt, which srtp.c applies to the IV (not used here). */
static srtp_err_status_t gcm_init(void *cv, const uint8_t *key)
{
	gcm_state *state = cv;
	const EVP_CIPHER *aes = state->aes_key_len == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	state->direction = srtp_direction_any;
	if (EVP_CipherInit_ex(state->ctx, aes, NULL, key, NULL, 1) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/** iv = the 12-octet per-packet IV; starts a new message in the given direction. */
static srtp_err_status_t gcm_set_iv(void *cv, uint8_t *iv, srtp_cipher_direction_t direction)
{
	gcm_state *state = cv;
	if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	state->direction = direction;
	// The key schedule stays; the default GCM IV length is the 12 octets RFC 7714 uses.
	if (EVP_CipherInit_ex(state->ctx, NULL, NULL, NULL, iv, direction == srtp_direction_encrypt) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/** Additional authenticated data; libsrtp2 may call this more than once per packet (SRTCP). */
static srtp_err_status_t gcm_set_aad(void *cv, const uint8_t *aad, uint32_t aad_len)
{
	gcm_state *state = cv;
	int out = 0;
	if (aad_len > INT32_MAX || EVP_CipherUpdate(state->ctx, NULL, &out, aad, (int)aad_len) != 1)
		return srtp_err_status_algo_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *cv, uint8_t *buffer, unsigned int *octets)
{
	gcm_state *state = cv;
	int out = 0;
	if (state->direction != srtp_direction_encrypt)
		return srtp_err_status_bad_param;
	if (*octets > INT32_MAX || EVP_CipherUpdate(state->ctx, buffer, &out, buffer, (int)*octets) != 1)
		return srtp_err_status_cipher_fail;
	*octets = (unsigned int)out;
	return srtp_err_status_ok;
}

/** After encrypt: finishes the message and writes the tag (libsrtp2 appends it). */
static srtp_err_status_t gcm_get_tag(void *cv, uint8_t *tag, uint32_t *len)
{
	gcm_state *state = cv;
	uint8_t rest[BLOCK_LEN];
	int out = 0;
	if (EVP_CipherFinal_ex(state->ctx, rest, &out) != 1 ||
	    EVP_CIPHER_CTX_ctrl(state->ctx, EVP_CTRL_GCM_GET_TAG, state->tag_len, tag) != 1)
		return srtp_err_status_algo_fail;
	*len = (uint32_t)state->tag_len;
	return srtp_err_status_ok;
}

/** buffer = ciphertext followed by the tag; on success *octets loses the tag. */
static srtp_err_status_t gcm_decrypt(void *cv, uint8_t *buffer, unsigned int *octets)
{
	gcm_state *state = cv;
	uint8_t rest[BLOCK_LEN];
	int out = 0;
	if (state->direction != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	if (*octets < (unsigned int)state->tag_len || *octets > INT32_MAX)
		return srtp_err_status_bad_param;
	const int payload = (int)*octets - state->tag_len;
	if (EVP_CIPHER_CTX_ctrl(state->ctx, EVP_CTRL_GCM_SET_TAG, state->tag_len, buffer + payload) != 1 ||
	    EVP_CipherUpdate(state->ctx, buffer, &out, buffer, payload) != 1)
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(state->ctx, rest, &out) != 1)
		return srtp_err_status_auth_fail;
	*octets = (unsigned int)payload;
	return srtp_err_status_ok;
}

// "The Galois/Counter Mode of Operation" (McGrew, Viega) test cases 4 (AES-128) and 16
// (AES-256); the 12 octets after each key are the SRTP salt, which the cipher ignores.
static const uint8_t gcm_128_key[28] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
};
static const uint8_t gcm_256_key[44] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
};
static uint8_t gcm_iv[GCM_IV_LEN] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};
static const uint8_t gcm_aad[20] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef,
	0xab, 0xad, 0xda, 0xd2,
};
static const uint8_t gcm_plaintext[60] = {
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26, 0x9a,
	0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72,
	0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25,
	0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39,
};
static const uint8_t gcm_128_ciphertext[76] = {
	0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72, 0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c,
	0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac, 0xa1, 0x2e,
	0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c, 0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05,
	0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91,
	// tag
	0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47,
};
static const uint8_t gcm_256_ciphertext[76] = {
	0x52, 0x2d, 0xc1, 0xf0, 0x99, 0x56, 0x7d, 0x07, 0xf4, 0x7f, 0x37, 0xa3, 0x2a, 0x84, 0x42, 0x7d,
	0x64, 0x3a, 0x8c, 0xdc, 0xbf, 0xe5, 0xc0, 0xc9, 0x75, 0x98, 0xa2, 0xbd, 0x25, 0x55, 0xd1, 0xaa,
	0x8c, 0xb0, 0x8e, 0x48, 0x59, 0x0d, 0xbb, 0x3d, 0xa7, 0xb0, 0x8b, 0x10, 0x56, 0x82, 0x88, 0x38,
	0xc5, 0xf6, 0x1e, 0x63, 0x93, 0xba, 0x7a, 0x0a, 0xbc, 0xc9, 0xf6, 0x62,
	// tag
	0x76, 0xfc, 0x6e, 0xce, 0x0f, 0x4e, 0x17, 0x68, 0xcd, 0xdf, 0x88, 0x53, 0xbb, 0x2d, 0x55, 0x1b,
};

static const srtp_cipher_test_case_t gcm_128_test = {
	.key_length_octets = sizeof(gcm_128_key), .key = gcm_128_key, .idx = gcm_iv,
	.plaintext_length_octets = sizeof(gcm_plaintext), .plaintext = gcm_plaintext,
	.ciphertext_length_octets = sizeof(gcm_128_ciphertext), .ciphertext = gcm_128_ciphertext,
	.aad_length_octets = sizeof(gcm_aad), .aad = gcm_aad, .tag_length_octets = GCM_TAG_LEN,
};
static const srtp_cipher_test_case_t gcm_256_test = {
	.key_length_octets = sizeof(gcm_256_key), .key = gcm_256_key, .idx = gcm_iv,
	.plaintext_length_octets = sizeof(gcm_plaintext), .plaintext = gcm_plaintext,
	.ciphertext_length_octets = sizeof(gcm_256_ciphertext), .ciphertext = gcm_256_ciphertext,
	.aad_length_octets = sizeof(gcm_aad), .aad = gcm_aad, .tag_length_octets = GCM_TAG_LEN,
};

static const srtp_cipher_type_t gcm_128_type = {
	.alloc = gcm_128_alloc, .dealloc = gcm_dealloc, .init = gcm_init, .set_aad = gcm_set_aad,
	.encrypt = gcm_encrypt, .decrypt = gcm_decrypt, .set_iv = gcm_set_iv, .get_tag = gcm_get_tag,
	.description = "AES-128 GCM using OpenSSL EVP (medspa shim)",
	.test_data = &gcm_128_test, .id = SRTP_AES_GCM_128,
};
static const srtp_cipher_type_t gcm_256_type = {
	.alloc = gcm_256_alloc, .dealloc = gcm_dealloc, .init = gcm_init, .set_aad = gcm_set_aad,
	.encrypt = gcm_encrypt, .decrypt = gcm_decrypt, .set_iv = gcm_set_iv, .get_tag = gcm_get_tag,
	.description = "AES-256 GCM using OpenSSL EVP (medspa shim)",
	.test_data = &gcm_256_test, .id = SRTP_AES_GCM_256,
};

/* ---------- HMAC-SHA1 (RFC 3711 §4.2.1) ---------- */

static EVP_MAC *hmac; // fetched once in ms_srtp3_shim_init()
static const srtp_auth_type_t hmac_sha1_type;

static srtp_err_status_t hmac_alloc(srtp_auth_t **ap, int key_len, int out_len)
{
	if (key_len < 0 || key_len > SHA1_LEN || out_len < 0 || out_len > SHA1_LEN)
		return srtp_err_status_bad_param;
	srtp_auth_t *auth = calloc(1, sizeof(*auth));
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac);
	if (auth == NULL || ctx == NULL) {
		free(auth);
		EVP_MAC_CTX_free(ctx);
		return srtp_err_status_alloc_fail;
	}
	auth->type = &hmac_sha1_type;
	auth->state = ctx;
	auth->out_len = out_len;
	auth->key_len = key_len;
	auth->prefix_len = 0;
	*ap = auth;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_t *auth)
{
	EVP_MAC_CTX_free(auth->state);
	free(auth);
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key, int key_len)
{
	char digest[] = "SHA1";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (EVP_MAC_init(state, key, (size_t)key_len, params) != 1)
		return srtp_err_status_auth_fail;
	return srtp_err_status_ok;
}

/** Per packet: back to the keyed state (inner and outer pads were hashed once in init). */
static srtp_err_status_t hmac_start(void *state)
{
	return EVP_MAC_init(state, NULL, 0, NULL) == 1 ? srtp_err_status_ok : srtp_err_status_auth_fail;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *buffer, int octets)
{
	return EVP_MAC_update(state, buffer, (size_t)octets) == 1 ? srtp_err_status_ok : srtp_err_status_auth_fail;
}

static srtp_err_status_t hmac_compute(void *state, const uint8_t *buffer, int octets, int tag_len, uint8_t *tag)
{
	uint8_t digest[SHA1_LEN];
	size_t digest_len = 0;
	if (tag_len < 0 || tag_len > SHA1_LEN || EVP_MAC_update(state, buffer, (size_t)octets) != 1 ||
	    EVP_MAC_final(state, digest, &digest_len, sizeof(digest)) != 1)
		return srtp_err_status_auth_fail;
	memcpy(tag, digest, (size_t)tag_len);
	return srtp_err_status_ok;
}

// RFC 2202 §3, test case 1.
static const uint8_t hmac_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_data[8] = { 'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e' };
static const uint8_t hmac_tag[20] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
	0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const srtp_auth_test_case_t hmac_test = {
	.key_length_octets = sizeof(hmac_key), .key = hmac_key,
	.data_length_octets = sizeof(hmac_data), .data = hmac_data,
	.tag_length_octets = sizeof(hmac_tag), .tag = hmac_tag,
};

static const srtp_auth_type_t hmac_sha1_type = {
	.alloc = hmac_alloc, .dealloc = hmac_dealloc, .init = hmac_init,
	.compute = hmac_compute, .update = hmac_update, .start = hmac_start,
	.description = "HMAC-SHA1 using OpenSSL EVP_MAC (medspa shim)",
	.test_data = &hmac_test, .id = SRTP_HMAC_SHA1,
};

/**
 * Swaps in the OpenSSL types; libsrtp2 must be initialised. A replacement that fails its
 * known-answer tests is an error: the worker must not run crypto that does not match RFC 3711.
 */
srtp_err_status_t ms_srtp3_shim_replace_crypto(void)
{
	if (hmac == NULL)
		hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (hmac == NULL)
		return srtp_err_status_init_fail;
	srtp_err_status_t err = srtp_replace_cipher_type(&icm_128_type, SRTP_AES_ICM_128);
	if (err == srtp_err_status_ok)
		err = srtp_replace_cipher_type(&icm_256_type, SRTP_AES_ICM_256);
	if (err == srtp_err_status_ok)
		err = srtp_replace_cipher_type(&gcm_128_type, SRTP_AES_GCM_128);
	if (err == srtp_err_status_ok)
		err = srtp_replace_cipher_type(&gcm_256_type, SRTP_AES_GCM_256);
	if (err == srtp_err_status_ok)
		err = srtp_replace_auth_type(&hmac_sha1_type, SRTP_HMAC_SHA1);
	return err;
}

/** The worker's srtp_init() (mapped here by the shim's srtp.h). */
srtp_err_status_t ms_srtp3_shim_init(void)
{
	const srtp_err_status_t err = srtp_init();
	return err == srtp_err_status_ok ? ms_srtp3_shim_replace_crypto() : err;
}
