import { sniffPhotoType } from './photoFormat.js';

describe('sniffPhotoType', () => {
  it('recognises JPEG and PNG signatures', () => {
    expect(sniffPhotoType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]))).toBe('image/jpeg');
    expect(sniffPhotoType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]))).toBe('image/png');
  });

  it('refuses everything else, including truncated signatures', () => {
    expect(sniffPhotoType(Buffer.from('<svg onload="alert(1)"></svg>'))).toBeNull();
    expect(sniffPhotoType(Buffer.from('GIF89a....'))).toBeNull();
    expect(sniffPhotoType(Buffer.from([0xff, 0xd8, 0xff]))).toBeNull();
    expect(sniffPhotoType(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
    expect(sniffPhotoType(Buffer.alloc(0))).toBeNull();
  });
});
