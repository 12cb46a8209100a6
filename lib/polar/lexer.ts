// Turns Polar source text into tokens; problems become diagnostics, never exceptions.
import type { Diagnostic } from '../errors.ts';

export type TokenKind = 'ident' | 'string' | 'integer' | 'constant' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier name, decoded string value, normalised integer, constant name (no `@`) or punctuation. */
  value: string;
  line: number;
  column: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const PUNCT2 = ['!=', '<=', '>=', '::', '=='];
const PUNCT1 = '{}()[],;:=<>';
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);

/** Tokenizes one file; the last token is always `eof`. */
export function tokenize(file: string, src: string): { tokens: Token[]; diagnostics: Diagnostic[] } {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const report = (code: string, message: string, l: number, c: number) =>
    diagnostics.push({ code, message, file, line: l, column: c });
  const advance = () => {
    if (src[i] === '\n') {
      line++;
      col = 1;
    } else col++;
    i++;
  };

  while (i < src.length) {
    const c = src[i]!;
    const startLine = line;
    const startCol = col;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v' || c === '\uFEFF') {
      advance();
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') advance();
    } else if (isIdentStart(c)) {
      const s = i;
      while (i < src.length && isIdentPart(src[i]!)) advance();
      tokens.push({ kind: 'ident', value: src.slice(s, i), line: startLine, column: startCol });
    } else if (isDigit(c) || ((c === '-' || c === '+') && isDigit(src[i + 1] ?? ''))) {
      const s = i;
      advance();
      while (i < src.length && isDigit(src[i]!)) advance();
      if (src[i] === '.' && isDigit(src[i + 1] ?? '')) {
        while (i < src.length && (isDigit(src[i]!) || src[i] === '.')) advance();
        report(
          'unsupported-float',
          `floating-point number ${src.slice(s, i)} is not supported; only integers`,
          startLine,
          startCol,
        );
        continue;
      }
      const n = BigInt(src.slice(s, i));
      if (n < INT64_MIN || n > INT64_MAX) {
        report(
          'integer-out-of-range',
          `integer ${src.slice(s, i)} is outside the signed 64-bit range`,
          startLine,
          startCol,
        );
      }
      tokens.push({ kind: 'integer', value: n.toString(), line: startLine, column: startCol });
    } else if (c === '"') {
      advance();
      let value = '';
      let closed = false;
      while (i < src.length) {
        const d = src[i]!;
        if (d === '"') {
          advance();
          closed = true;
          break;
        }
        if (d === '\\') {
          const escLine = line;
          const escCol = col;
          advance();
          const e = src[i];
          if (e === undefined) break;
          const mapped = ESCAPES[e];
          if (mapped === undefined)
            report('bad-escape', `unknown escape sequence "\\${e}" in string`, escLine, escCol);
          value += mapped ?? e;
          advance();
        } else {
          value += d;
          advance();
        }
      }
      if (!closed) report('unterminated-string', 'unterminated string literal', startLine, startCol);
      tokens.push({ kind: 'string', value, line: startLine, column: startCol });
    } else if (c === '@') {
      advance();
      const s = i;
      while (i < src.length && isIdentPart(src[i]!)) advance();
      const name = src.slice(s, i);
      if (name !== 'current_unix_time') {
        report(
          'unknown-constant',
          `unknown constant "@${name}"; the only constant is @current_unix_time`,
          startLine,
          startCol,
        );
      }
      tokens.push({ kind: 'constant', value: name, line: startLine, column: startCol });
    } else {
      const two = src.slice(i, i + 2);
      if (PUNCT2.includes(two)) {
        advance();
        advance();
        tokens.push({ kind: 'punct', value: two, line: startLine, column: startCol });
      } else if (PUNCT1.includes(c)) {
        advance();
        tokens.push({ kind: 'punct', value: c, line: startLine, column: startCol });
      } else {
        const shown = c.codePointAt(0)! < 32 ? `\\u{${c.codePointAt(0)!.toString(16)}}` : c;
        report('unexpected-character', `unexpected character "${shown}"`, startLine, startCol);
        advance();
      }
    }
  }
  tokens.push({ kind: 'eof', value: '', line, column: col });
  return { tokens, diagnostics };
}
