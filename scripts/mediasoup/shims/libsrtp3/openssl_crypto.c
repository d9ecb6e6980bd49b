// AES-ICM (AES_CM_128/256) and HMAC-SHA1 for libsrtp2 on top of OpenSSL EVP.
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
	srtp_cipher_t *cipher = calloc(1, sizeof(*cipher));
	icm_state *state = calloc(1, sizeof(*state));
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (cipher == NULL || state == NULL || ctx == NULL) {
		free(cipher);
		free(state);
		EVP_CIPHER_CTX_free(ctx);
		return srtp_err_status_alloc_fail;
	}
	state->ctx = ctx;
	state->aes_key_len = aes_key_len;
	cipher->type = type;
	cipher->state = state;
	cipher->key_len = key_len;
	cipher->algorithm = algorithm;
	*cp = cipher;
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
	EVP_CIPHER_CTX_free(state->ctx);
	OPENSSL_cleanse(state, sizeof(*state));
	free(state);
	free(cipher);
	return srtp_err_status_ok;
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
		err = srtp_replace_auth_type(&hmac_sha1_type, SRTP_HMAC_SHA1);
	return err;
}

/** The worker's srtp_init() (mapped here by the shim's srtp.h). */
srtp_err_status_t ms_srtp3_shim_init(void)
{
	const srtp_err_status_t err = srtp_init();
	return err == srtp_err_status_ok ? ms_srtp3_shim_replace_crypto() : err;
}
