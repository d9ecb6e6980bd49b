/**
 * Compact JWS verification in the browser with WebCrypto, for the console's "Verify" button:
 * the officer's browser checks an export manifest (and the tree head inside it) against the
 * API's published JWKS itself, rather than trusting the server's word. ES256 only (RFC 7518
 * §3.4: ECDSA P-256 / SHA-256, signature = 64 bytes r || s, which is WebCrypto's format).
 */

export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  kid?: string;
  alg?: string;
}

export interface JwsCheck {
  /** True only when the signature holds under a published key and alg is ES256. */
  valid: boolean;
  /** Plain-words reason when not valid. */
  reason: string | null;
  kid: string | null;
  typ: string | null;
  payload: unknown;
}

function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function decodeJson(part: string): unknown {
  return JSON.parse(new TextDecoder().decode(base64UrlBytes(part)));
}

const fail = (reason: string, header: { kid?: unknown; typ?: unknown } = {}): JwsCheck => ({
  valid: false,
  reason,
  kid: typeof header.kid === 'string' ? header.kid : null,
  typ: typeof header.typ === 'string' ? header.typ : null,
  payload: null,
});

/** Verifies a compact JWS (RFC 7515 §7.1) against a JWK Set (RFC 7517 §5). */
export async function verifyCompactJws(jws: string, keys: readonly PublicJwk[]): Promise<JwsCheck> {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) return fail('It is not a signed document.');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  let payload: unknown;
  try {
    header = decodeJson(headerPart) as typeof header;
    payload = decodeJson(payloadPart);
  } catch {
    return fail('It is damaged and cannot be read.');
  }
  // The algorithm is pinned: a JWS claiming "none" or HS256 is refused (RFC 8725 §3.1).
  if (header.alg !== 'ES256') return fail('It is not signed the way this practice signs.', header);
  const jwk = keys.find((key) => key.kid === header.kid && key.kty === 'EC' && key.crv === 'P-256');
  if (jwk === undefined) return fail("It was not signed by any of the practice's published keys.", header);
  const key = await crypto.subtle.importKey(
    'jwk',
    { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const signature = base64UrlBytes(signaturePart);
  if (signature.length !== 64) return fail('Its signature is damaged.', header);
  const ok = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    signature,
    new TextEncoder().encode(`${headerPart}.${payloadPart}`),
  );
  if (!ok) return fail('The signature does not match: the document was changed after it was signed.', header);
  return {
    valid: true,
    reason: null,
    kid: typeof header.kid === 'string' ? header.kid : null,
    typ: typeof header.typ === 'string' ? header.typ : null,
    payload,
  };
}

/** The API's published keys (/.well-known/jwks.json). */
export async function fetchJwks(): Promise<PublicJwk[]> {
  const response = await fetch('/.well-known/jwks.json', { cache: 'no-store' });
  if (!response.ok) throw new Error("The practice's public keys could not be loaded.");
  const body = (await response.json()) as { keys?: PublicJwk[] };
  return body.keys ?? [];
}
