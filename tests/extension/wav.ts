// A silent 16 kHz mono 16-bit PCM WAV of the given length, for tests that need a real file but not real speech.
import * as fs from 'node:fs';

export function writeSilentWav(file: string, durationMs: number, sampleRate = 16_000): void {
    const dataBytes = Math.round((sampleRate * durationMs) / 1000) * 2;
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(36 + dataBytes, 4);
    header.write('WAVE', 8, 'ascii');
    header.write('fmt ', 12, 'ascii');
    header.writeUInt32LE(16, 16); // fmt chunk size
    header.writeUInt16LE(1, 20); // PCM
    header.writeUInt16LE(1, 22); // mono
    header.writeUInt32LE(sampleRate, 24);
    header.writeUInt32LE(sampleRate * 2, 28); // byte rate
    header.writeUInt16LE(2, 32); // block align
    header.writeUInt16LE(16, 34); // bits per sample
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(dataBytes, 40);
    fs.writeFileSync(file, Buffer.concat([header, Buffer.alloc(dataBytes)]));
}
