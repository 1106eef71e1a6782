// An upload's type is told by its first bytes (server/uploads/sniff.ts), never by its name or Content-Type:
// JPEG, PNG and WebP pass; text, a truncated header, GIF and SVG do not.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { sniffImageType } from '../../server/uploads/sniff.ts';

const image = () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#36c' } });

describe('sniffImageType', () => {
  it('JPEG, PNG and WebP as sharp writes them', async () => {
    expect(sniffImageType(await image().jpeg().toBuffer())).toBe('image/jpeg');
    expect(sniffImageType(await image().png().toBuffer())).toBe('image/png');
    expect(sniffImageType(await image().webp().toBuffer())).toBe('image/webp');
    expect(sniffImageType(await image().webp({ lossless: true }).toBuffer())).toBe('image/webp');
  });

  it('the three signatures alone', () => {
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe1]))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('image/png');
    expect(sniffImageType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8X', 'latin1'))).toBe('image/webp');
  });

  it('a text file named .png is text', () => {
    expect(sniffImageType(Buffer.from('this is not a photo, whatever its name says\n'))).toBeNull();
    expect(sniffImageType(Buffer.from('PNG\r\n'))).toBeNull();
  });

  it('a truncated header is nothing', () => {
    expect(sniffImageType(Buffer.alloc(0))).toBeNull();
    expect(sniffImageType(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(sniffImageType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a]))).toBeNull();
    expect(sniffImageType(Buffer.from('RIFF\x10\x00\x00\x00WEBP', 'latin1'))).toBeNull();
    expect(sniffImageType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP', 'latin1'))).toBeNull();
  });

  it('another RIFF file (WAV) is not a WebP', () => {
    expect(sniffImageType(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1'))).toBeNull();
  });

  it('a GIF is refused', async () => {
    expect(sniffImageType(await image().gif().toBuffer())).toBeNull();
    expect(sniffImageType(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toBeNull();
  });

  it('an SVG is refused, with or without an XML declaration', () => {
    expect(sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toBeNull();
    expect(sniffImageType(Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });

  it('the signature must be at the start', () => {
    expect(sniffImageType(Buffer.concat([Buffer.from(' '), Buffer.from([0xff, 0xd8, 0xff, 0xe0])]))).toBeNull();
  });
});
