// Re-encodes an uploaded photo with sharp (libvips) before anything is stored. Writing fresh pixels is what
// strips the metadata: sharp keeps no EXIF (GPS position, camera serial), XMP, IPTC or PNG text unless told to,
// so a buyer's photo cannot tell the merchant where it was taken. The EXIF orientation is applied to the
// pixels first, or a portrait photo would be stored lying on its side once its Orientation tag is gone.
import type Sharp from 'sharp';
import { DomainError } from '../errors.ts';
import type { ImageType } from './sniff.ts';

/**
 * Refused before decoding: a few hundred KB of PNG can declare 100 megapixels that would take 400 MB to
 * decode (a decompression bomb). 40 MP is above any phone's ordinary photo (12–24 MP, 48 MP binned down).
 */
export const MAX_PIXELS = 40_000_000;

/**
 * How many photos this process re-encodes at once. A 40 MP image takes ~160 MB and a core while it is decoded; sharp
 * runs on libuv's 4 pool threads, which crypto (the merchant's password hash) and fs need too, so a burst of
 * uploads waits here rather than taking them all.
 */
const MAX_CONCURRENT = 2;

let loaded: Promise<typeof Sharp> | undefined;

/**
 * sharp (libvips) is loaded with the first photo, not at start: it is ≈ 30 MB of resident memory that a server
 * nobody uploads to never needs.
 */
function loadSharp(): Promise<typeof Sharp> {
  loaded ??= import('sharp').then(({ default: sharp }) => {
    // every photo is decoded once: libvips' operation cache would only keep buyers' pixels in memory for nothing
    sharp.cache(false);
    return sharp;
  });
  return loaded;
}

const SHARP_FORMAT: Record<ImageType, 'jpeg' | 'png' | 'webp'> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' };

let running = 0;
const waiting: Array<() => void> = [];

async function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

function unreadable(): DomainError {
  return new DomainError('VALIDATION_FAILED', 'file: could not be read as an image (damaged or incomplete?).');
}

/**
 * The photo as it will be stored: the same format, upright, without metadata. 400 when the bytes do not
 * decode as the format their header claims, are truncated, or are over MAX_PIXELS.
 */
export async function reencode(bytes: Buffer, type: ImageType): Promise<Buffer> {
  // 'truncated': a cut-off photo is refused; a decoder warning that phones' files often raise is not
  const sharp = await loadSharp();
  const input = () => sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'truncated' });
  return oneAtATime(async () => {
    let format: string;
    try {
      // the header alone: an over-large image is refused before a pixel is decoded
      format = (await input().metadata()).format;
    } catch (err) {
      if (/pixel limit/i.test((err as Error).message)) {
        throw new DomainError('VALIDATION_FAILED', `file: the image has more than ${MAX_PIXELS / 1_000_000} megapixels.`);
      }
      throw unreadable();
    }
    if (format !== SHARP_FORMAT[type]) throw unreadable();
    const upright = input().rotate(); // no angle: by the EXIF Orientation, which is then dropped with the rest
    try {
      if (type === 'image/jpeg') return await upright.jpeg({ quality: 85 }).toBuffer();
      if (type === 'image/png') return await upright.png().toBuffer();
      return await upright.webp({ quality: 85 }).toBuffer();
    } catch {
      throw unreadable();
    }
  });
}
