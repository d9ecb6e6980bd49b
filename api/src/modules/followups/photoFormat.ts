/** Image types accepted for clinical photos. */
export const PHOTO_CONTENT_TYPES = ['image/jpeg', 'image/png'] as const;
export type PhotoContentType = (typeof PHOTO_CONTENT_TYPES)[number];

/** Largest photo accepted (phone cameras at full resolution stay below it). */
export const PHOTO_MAX_BYTES = 8 * 1024 * 1024;

/** JPEG files start with an SOI marker followed by another marker (ITU-T T.81 Annex B.1.1.3). */
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);

/** PNG signature, PNG specification (ISO/IEC 15948) section 5.2. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The image type the bytes actually are, judged by their signature and never by the
 * declared Content-Type; null for anything else (HTML, SVG, scripts, archives...).
 */
export function sniffPhotoType(bytes: Buffer): PhotoContentType | null {
  if (bytes.length > JPEG_SIGNATURE.length && bytes.subarray(0, JPEG_SIGNATURE.length).equals(JPEG_SIGNATURE)) {
    return 'image/jpeg';
  }
  if (bytes.length > PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    return 'image/png';
  }
  return null;
}
