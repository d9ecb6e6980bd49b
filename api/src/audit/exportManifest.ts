import { CompactSign, compactVerify, importJWK } from 'jose';
import type { CompactVerifyGetKey, JWK, KeyLike } from 'jose';

/** ECDSA P-256 with SHA-256 (RFC 7518 §3.4), the algorithm of the API's access tokens. */
export const MANIFEST_ALGORITHM = 'ES256';

/** JWS "typ" header (RFC 7515 §4.1.9) so a manifest is never mistaken for a token. */
export const MANIFEST_TYPE = 'audit-export-manifest+json';

/** The signed statement of what an audit export contained. */
export interface ExportManifest {
  exportId: string;
  practiceId: string;
  requestedBy: string;
  format: string;
  filters: Record<string, string>;
  /** The export covers events with seq <= throughSeq (its own audit.export event included). */
  throughSeq: number;
  /** False when the stream was cut short; the counts then say how far it got. */
  completed: boolean;
  rowCount: number;
  byteCount: number;
  /** Hex SHA-256 of exactly the bytes of the response body. */
  sha256: string;
  firstSeq: number | null;
  lastSeq: number | null;
  startedAt: string;
  generatedAt: string;
  /**
   * The signed tree head (compact JWS, api/src/audit/treeHead.ts) of the practice's audit
   * Merkle tree at size throughSeq: the export was cut at exactly that tree.
   */
  treeHead?: string;
}

export interface ManifestSigner {
  readonly kid: string;
  /** Compact JWS (RFC 7515 §7.1) over the manifest's JSON. */
  sign: (manifest: ExportManifest) => Promise<string>;
}

/** Signs JSON statements of the audit trail (manifests, tree heads) as compact JWS. */
export interface AuditJwsSigner {
  readonly kid: string;
  /** Compact JWS (RFC 7515 §7.1) over the JSON of `payload`, with the given "typ". */
  signJson: (payload: unknown, typ: string) => Promise<string>;
}

/**
 * Signs with the same private JWK (and kid) as the access tokens, so anyone who trusts
 * /.well-known/jwks.json can check an export or a tree head offline.
 */
export async function createAuditJwsSigner(privateJwkJson: string): Promise<AuditJwsSigner> {
  const jwk = JSON.parse(privateJwkJson) as JWK;
  const kid = jwk.kid;
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new Error('AUTH_SIGNING_JWK must carry a "kid"');
  }
  const privateKey = (await importJWK(jwk, MANIFEST_ALGORITHM)) as KeyLike;
  return {
    kid,
    signJson: (payload, typ) =>
      new CompactSign(Buffer.from(JSON.stringify(payload), 'utf8'))
        .setProtectedHeader({ alg: MANIFEST_ALGORITHM, kid, typ })
        .sign(privateKey),
  };
}

/** A manifest signer over the API signing key. */
export async function createManifestSigner(privateJwkJson: string): Promise<ManifestSigner> {
  const signer = await createAuditJwsSigner(privateJwkJson);
  return { kid: signer.kid, sign: (manifest) => signer.signJson(manifest, MANIFEST_TYPE) };
}

/** A public key, or a key resolver such as jose's createLocalJWKSet / createRemoteJWKSet. */
export type ManifestKey = KeyLike | CompactVerifyGetKey;

/**
 * Verifies a manifest JWS and returns its payload. The algorithm is pinned to ES256, so a
 * JWS claiming `none` or an HMAC keyed with the public key is refused (RFC 8725 §3.1).
 */
export async function verifyManifest(jws: string, key: ManifestKey): Promise<ExportManifest> {
  const options = { algorithms: [MANIFEST_ALGORITHM] };
  const { payload, protectedHeader } =
    typeof key === 'function' ? await compactVerify(jws, key, options) : await compactVerify(jws, key, options);
  if (protectedHeader.typ !== MANIFEST_TYPE) {
    throw new Error('not an audit export manifest');
  }
  return JSON.parse(Buffer.from(payload).toString('utf8')) as ExportManifest;
}
