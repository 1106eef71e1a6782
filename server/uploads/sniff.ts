// What an uploaded file is, told by its first bytes: the name and the Content-Type are the sender's word, the
// magic numbers are the file's. Only the three formats every phone and WeChat's <image> show are let in; GIF
// (animation, old decoders), SVG (script in an image), HEIC and everything else are refused.

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// a WebP's first chunk after `RIFF....WEBP`: lossy, lossless or extended
const WEBP_CHUNKS = ['VP8 ', 'VP8L', 'VP8X'];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  if (bytes.length < at + length) return '';
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

/** The image type these bytes begin with, or null: a truncated header is null too. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  // SOI then the first marker's 0xFF (every JPEG, JFIF or EXIF, starts FF D8 FF)
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'image/png';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP' && WEBP_CHUNKS.includes(ascii(bytes, 12, 4))) return 'image/webp';
  return null;
}
