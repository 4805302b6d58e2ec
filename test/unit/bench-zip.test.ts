import { describe, expect, it } from 'vitest';
import { zipArchive } from '../../bench/zip.js';
import { readZip } from '../support/read-zip.js';

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
