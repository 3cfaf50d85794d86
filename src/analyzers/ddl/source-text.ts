/**
 * The text of one DDL file, addressed the way libpg-query addresses it. The parser's node
 * locations are byte offsets into the UTF-8 text while JavaScript strings index UTF-16 code
 * units; for non-ASCII files a byte→char table is built once so each lookup is O(1).
 */
export class SourceText {
  readonly text: string;
  private readonly byteToChar: Uint32Array | undefined;

  constructor(text: string) {
    this.text = text;
    this.byteToChar = isAscii(text) ? undefined : buildByteToChar(text);
  }

  /** The char offset of a byte offset reported by the parser. */
  charAt(byteOffset: number): number {
    if (!this.byteToChar) return byteOffset;
    const clamped = Math.max(0, Math.min(byteOffset, this.byteToChar.length - 1));
    return this.byteToChar[clamped]!;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function buildByteToChar(text: string): Uint32Array {
  const table = new Uint32Array(Buffer.byteLength(text, 'utf8') + 1);
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let width: number;
    if (code < 0x80) width = 1;
    else if (code < 0x800) width = 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one 4-byte code point spanning two UTF-16 units.
      table.fill(i, byte, byte + 4);
      byte += 4;
      i++;
      continue;
    } else width = 3;
    table.fill(i, byte, byte + width);
    byte += width;
  }
  table[byte] = text.length;
  return table;
}
