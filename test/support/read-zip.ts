import { crc32, inflateRawSync } from 'node:zlib';

/** One file of a zip archive. */
export interface ZipFile {
  readonly name: string;
  readonly data: Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/**
 * Reads every file of a zip archive from its central directory, as unzip does (stored or
 * deflated entries; no zip64, no encryption), checking each file's size and CRC-32.
 */
export function readZip(archive: Buffer): ZipFile[] {
  const end = archive.lastIndexOf(uint32(END_OF_CENTRAL_DIRECTORY));
  if (end < 0) throw new Error('not a zip archive: no end of central directory');
  const count = archive.readUInt16LE(end + 10);
  let central = archive.readUInt32LE(end + 16);
  const files: ZipFile[] = [];
  for (let index = 0; index < count; index++) {
    if (archive.readUInt32LE(central) !== CENTRAL_FILE_HEADER)
      throw new Error(`zip entry ${index}: bad central directory header`);
    const method = archive.readUInt16LE(central + 10);
    const checksum = archive.readUInt32LE(central + 16);
    const compressedSize = archive.readUInt32LE(central + 20);
    const size = archive.readUInt32LE(central + 24);
    const nameLength = archive.readUInt16LE(central + 28);
    const extraLength = archive.readUInt16LE(central + 30);
    const commentLength = archive.readUInt16LE(central + 32);
    const local = archive.readUInt32LE(central + 42);
    const name = archive.subarray(central + 46, central + 46 + nameLength).toString('utf8');
    if (archive.readUInt32LE(local) !== LOCAL_FILE_HEADER)
      throw new Error(`zip entry ${name}: bad local header`);
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const stored = archive.subarray(start, start + compressedSize);
    const data = method === 0 ? Buffer.from(stored) : inflateRawSync(stored);
    if (data.length !== size || crc32(data) !== checksum)
      throw new Error(`zip entry ${name}: size or CRC-32 does not match`);
    files.push({ name, data });
    central += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}
