/** Image types accepted for clinical photos. */
export declare const PHOTO_CONTENT_TYPES: readonly ["image/jpeg", "image/png"];
export type PhotoContentType = (typeof PHOTO_CONTENT_TYPES)[number];
/** Largest photo accepted (phone cameras at full resolution stay below it). */
export declare const PHOTO_MAX_BYTES: number;
/**
 * The image type the bytes actually are, judged by their signature and never by the
 * declared Content-Type; null for anything else (HTML, SVG, scripts, archives...).
 */
export declare function sniffPhotoType(bytes: Buffer): PhotoContentType | null;
