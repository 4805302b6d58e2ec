import { crc32, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zipArchive } from '../../bench/zip.js';

/** Reads the archive back from its central directory, as unzip does. */
function readZip(archive: Buffer): { name: string; data: Buffer }[] {
  const end = archive.length - 22;
  expect(archive.readUInt32LE(end)).toBe(0x06054b50);
  const count = archive.readUInt16LE(end + 10);
  let central = archive.readUInt32LE(end + 16);
  const files: { name: string; data: Buffer }[] = [];
  for (let index = 0; index < count; index++) {
    expect(archive.readUInt32LE(central)).toBe(0x02014b50);
    const checksum = archive.readUInt32LE(central + 16);
    const compressedSize = archive.readUInt32LE(central + 20);
    const size = archive.readUInt32LE(central + 24);
    const nameLength = archive.readUInt16LE(central + 28);
    const local = archive.readUInt32LE(central + 42);
    const name = archive.subarray(central + 46, central + 46 + nameLength).toString('utf8');
    expect(archive.readUInt32LE(local)).toBe(0x04034b50);
    const localNameLength = archive.readUInt16LE(local + 26);
    const start = local + 30 + localNameLength + archive.readUInt16LE(local + 28);
    const data = inflateRawSync(archive.subarray(start, start + compressedSize));
    expect(data.length).toBe(size);
    expect(crc32(data)).toBe(checksum);
    files.push({ name, data });
    central += 46 + nameLength;
  }
  return files;
}

describe('bench zip', () => {
  it('writes a readable archive whose size reflects deflate', () => {
    const code = Buffer.from('export const handler = async () => 42;\n'.repeat(500));
    const map = Buffer.from(JSON.stringify({ version: 3, mappings: 'AAAA;'.repeat(2_000) }));
    const archive = zipArchive([
      { name: 'ingest.mjs', data: code },
      { name: 'ingest.mjs.map', data: map },
    ]);
    expect(readZip(archive)).toEqual([
      { name: 'ingest.mjs', data: code },
      { name: 'ingest.mjs.map', data: map },
    ]);
    expect(archive.length).toBeLessThan((code.length + map.length) / 10);
    expect(zipArchive([{ name: 'ingest.mjs', data: code }])).toEqual(
      zipArchive([{ name: 'ingest.mjs', data: code }]),
    );
  });
});
