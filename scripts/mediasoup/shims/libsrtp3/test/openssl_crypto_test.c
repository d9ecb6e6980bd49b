// Cross-check of openssl_crypto.c against the libsrtp2 crypto it replaces (Debian: NSS).
//
// Sessions created before ms_srtp3_shim_replace_crypto() keep libsrtp2's own cipher and auth objects;
// sessions created after it use the OpenSSL ones. With equal keys both must produce the same
// SRTP/SRTCP octets and each must accept the other's packets. Built and run by build-worker.sh
// before the worker build; exits non-zero on the first mismatch.
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

srtp_err_status_t ms_srtp3_shim_replace_crypto(void);
// Exported by libsrtp2 but declared only in its private crypto_kernel.h.
const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
const srtp_auth_type_t *srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t id);

enum { MAX_PACKET = 1500, PACKETS = 200 };

typedef struct {
	const char *name;
	void (*rtp)(srtp_crypto_policy_t *);
	void (*rtcp)(srtp_crypto_policy_t *);
	int key_len;
} suite;

static const suite suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default,
	  srtp_crypto_policy_set_rtcp_default, 30 },
	{ "AES_CM_128_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	  srtp_crypto_policy_set_rtcp_default, 30 },
	{ "AES_CM_256_HMAC_SHA1_80", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 46 },
	{ "AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth, 28 },
	{ "AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth, 44 },
};
enum { SUITES = sizeof(suites) / sizeof(suites[0]) };

static srtp_t session(const suite *s, uint8_t *key, srtp_ssrc_type_t direction)
{
	srtp_policy_t policy;
	memset(&policy, 0, sizeof(policy));
	s->rtp(&policy.rtp);
	s->rtcp(&policy.rtcp);
	policy.ssrc.type = direction;
	policy.key = key;
	policy.window_size = 1024;
	srtp_t out = NULL;
	if (srtp_create(&out, &policy) != srtp_err_status_ok) {
		fprintf(stderr, "srtp_create failed for %s\n", s->name);
		exit(1);
	}
	return out;
}

static int rtp_packet(uint8_t *buffer, unsigned index, int rtcp)
{
	int len = 12 + (int)(index * 37 % 1100) + (rtcp ? 8 : 1);
	for (int i = 0; i < len; i++)
		buffer[i] = (uint8_t)(i * 7 + index);
	if (rtcp) {
		buffer[0] = 0x80; // SR
		buffer[1] = 200;
	} else {
		buffer[0] = 0x80;
		buffer[1] = 96;
		buffer[2] = (uint8_t)(index >> 8);
		buffer[3] = (uint8_t)index;
	}
	buffer[4] = 0x12; // RTCP SSRC overlaps the RTP timestamp; both use 0x12345678 below
	buffer[rtcp ? 4 : 8] = 0x12;
	buffer[rtcp ? 5 : 9] = 0x34;
	buffer[rtcp ? 6 : 10] = 0x56;
	buffer[rtcp ? 7 : 11] = 0x78;
	return len;
}

static int check(int ok, const char *what, const suite *s, unsigned index)
{
	if (!ok)
		fprintf(stderr, "FAIL %s: %s, packet %u\n", s->name, what, index);
	return ok;
}

int main(void)
{
	if (srtp_init() != srtp_err_status_ok)
		return 1;
	srtp_t native_tx[SUITES], native_rx[SUITES];
	uint8_t keys[SUITES][46];
	for (int i = 0; i < SUITES; i++) {
		for (int k = 0; k < 46; k++)
			keys[i][k] = (uint8_t)(k * 13 + i + 1);
		native_tx[i] = session(&suites[i], keys[i], ssrc_any_outbound);
		native_rx[i] = session(&suites[i], keys[i], ssrc_any_inbound);
	}
	srtp_err_status_t err = ms_srtp3_shim_replace_crypto();
	if (err != srtp_err_status_ok) {
		fprintf(stderr, "ms_srtp3_shim_replace_crypto failed: %d\n", (int)err);
		return 1;
	}
	// The sessions below must really run on the replacements.
	const srtp_cipher_type_id_t ciphers[] = { SRTP_AES_ICM_128, SRTP_AES_ICM_256, SRTP_AES_GCM_128, SRTP_AES_GCM_256 };
	for (size_t c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++) {
		const srtp_cipher_type_t *type = srtp_crypto_kernel_get_cipher_type(ciphers[c]);
		if (type == NULL || strstr(type->description, "OpenSSL EVP (medspa shim)") == NULL) {
			fprintf(stderr, "FAIL cipher type %u is not the OpenSSL replacement\n", (unsigned)ciphers[c]);
			return 1;
		}
	}
	const srtp_auth_type_t *auth = srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1);
	if (auth == NULL || strstr(auth->description, "(medspa shim)") == NULL) {
		fprintf(stderr, "FAIL HMAC-SHA1 is not the OpenSSL replacement\n");
		return 1;
	}
	int ok = 1;
	for (int i = 0; i < SUITES && ok; i++) {
		const suite *s = &suites[i];
		srtp_t shim_tx = session(s, keys[i], ssrc_any_outbound);
		srtp_t shim_rx = session(s, keys[i], ssrc_any_inbound);
		for (unsigned n = 0; n < PACKETS && ok; n++) {
			for (int rtcp = 0; rtcp <= 1 && ok; rtcp++) {
				uint8_t a[MAX_PACKET], b[MAX_PACKET], plain[MAX_PACKET];
				int plain_len = rtp_packet(plain, n, rtcp);
				int a_len = plain_len, b_len = plain_len;
				memcpy(a, plain, (size_t)plain_len);
				memcpy(b, plain, (size_t)plain_len);
				ok &= check((rtcp ? srtp_protect_rtcp(native_tx[i], a, &a_len) : srtp_protect(native_tx[i], a, &a_len)) == srtp_err_status_ok, "native protect", s, n);
				ok &= check((rtcp ? srtp_protect_rtcp(shim_tx, b, &b_len) : srtp_protect(shim_tx, b, &b_len)) == srtp_err_status_ok, "openssl protect", s, n);
				ok &= check(a_len == b_len && memcmp(a, b, (size_t)a_len) == 0, "protected octets differ", s, n);
				// Each side unprotects the other's packet.
				ok &= check((rtcp ? srtp_unprotect_rtcp(shim_rx, a, &a_len) : srtp_unprotect(shim_rx, a, &a_len)) == srtp_err_status_ok, "openssl unprotect", s, n);
				ok &= check((rtcp ? srtp_unprotect_rtcp(native_rx[i], b, &b_len) : srtp_unprotect(native_rx[i], b, &b_len)) == srtp_err_status_ok, "native unprotect", s, n);
				ok &= check(a_len == plain_len && memcmp(a, plain, (size_t)plain_len) == 0, "round trip", s, n);
				ok &= check(b_len == plain_len && memcmp(b, plain, (size_t)plain_len) == 0, "round trip", s, n);
			}
		}
		// A flipped bit must fail authentication.
		uint8_t c[MAX_PACKET];
		int c_len = rtp_packet(c, PACKETS, 0);
		ok &= check(srtp_protect(shim_tx, c, &c_len) == srtp_err_status_ok, "protect", s, PACKETS);
		c[20] ^= 1;
		ok &= check(srtp_unprotect(shim_rx, c, &c_len) == srtp_err_status_auth_fail, "tampered packet accepted", s, PACKETS);
		srtp_dealloc(shim_tx);
		srtp_dealloc(shim_rx);
		if (ok)
			printf("ok %s: %d RTP + %d RTCP packets identical to libsrtp2's own crypto\n", s->name, PACKETS, PACKETS);
	}
	for (int i = 0; i < SUITES; i++) {
		srtp_dealloc(native_tx[i]);
		srtp_dealloc(native_rx[i]);
	}
	srtp_shutdown();
	return ok ? 0 : 1;
}
