// Small PNG icons written byte by byte (no image tools needed): a teal square with a white cross,
// the sign of medical insurance. Used by webpack.config.js to emit assets/icon-NN.png.
'use strict';
const zlib = require('zlib');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** An RGBA PNG of size × size pixels. */
function iconPng(size) {
  const teal = [0x0f, 0x76, 0x6e, 0xff];
  const white = [0xff, 0xff, 0xff, 0xff];
  const clear = [0, 0, 0, 0];
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const r = size * 0.12; // corner radius
  const arm = size * 0.14; // half-width of the cross arms
  const len = size * 0.32; // half-length of the cross arms
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const dx = Math.max(0, Math.abs(x - c) - (c - r));
      const dy = Math.max(0, Math.abs(y - c) - (c - r));
      let px = dx * dx + dy * dy > r * r ? clear : teal;
      const inCross = (Math.abs(x - c) <= arm && Math.abs(y - c) <= len) || (Math.abs(y - c) <= arm && Math.abs(x - c) <= len);
      if (px !== clear && inCross) px = white;
      Buffer.from(px).copy(raw, y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const ICON_SIZES = [16, 32, 64, 80];

module.exports = { iconPng, ICON_SIZES };
