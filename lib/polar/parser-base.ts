// Token cursor shared by the parser files: lookahead, expectations, and terms.
import type { Diagnostic } from '../errors.ts';
import type { Loc } from './ast.ts';
import type { Token } from './lexer.ts';
import type { Named, SynTerm, TypeRef } from './syntax.ts';

/**
 * Thrown inside the parser to abandon the current item; caught by the item loop to resynchronise.
 * Not an Error subclass: control flow needs no stack trace, and capturing one per error is costly.
 */
export class SyntaxFail {
  constructor(readonly message: string) {}
}

/** Words that cannot be used as variables or predicate names. */
export const RESERVED = new Set(['and', 'or', 'not', 'if', 'in', 'matches', 'true', 'false']);

export function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'string':
      return `string ${JSON.stringify(t.value)}`;
    case 'integer':
      return `integer ${t.value}`;
    case 'constant':
      return `@${t.value}`;
    default:
      return `"${t.value}"`;
  }
}

export class Cursor {
  pos = 0;
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    readonly tokens: Token[],
  ) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  loc(t: Token = this.peek()): Loc {
    return { file: this.file, line: t.line, column: t.column };
  }

  isPunct(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.value === value;
  }

  isWord(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && t.value === value;
  }

  fail(message: string, t: Token = this.peek(), code = 'syntax-error'): never {
    this.diagnostics.push({ code, message, file: this.file, line: t.line, column: t.column });
    throw new SyntaxFail(message);
  }

  expectPunct(value: string, context: string): Token {
    if (!this.isPunct(value)) this.fail(`expected "${value}" ${context}, found ${describe(this.peek())}`);
    return this.next();
  }

  expectWord(value: string, context: string): Token {
    if (!this.isWord(value)) this.fail(`expected "${value}" ${context}, found ${describe(this.peek())}`);
    return this.next();
  }

  ident(context: string): Token {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(`expected ${context}, found ${describe(t)}`);
    if (RESERVED.has(t.value)) this.fail(`expected ${context}, found keyword "${t.value}"`);
    return this.next();
  }

  string(context: string): Named {
    const t = this.peek();
    if (t.kind !== 'string') this.fail(`expected ${context} (a string), found ${describe(t)}`);
    this.next();
    return { value: t.value, loc: this.loc(t) };
  }

  /** `Name` or `a::b::Name`. */
  typeName(context = 'a type name'): TypeRef {
    const first = this.ident(context);
    let name = first.value;
    while (this.isPunct('::')) {
      this.next();
      name += `::${this.ident('a name after "::"').value}`;
    }
    return { name, loc: this.loc(first) };
  }

  /** `[term, ...]`, trailing comma allowed. */
  list(): SynTerm & { kind: 'list' } {
    const open = this.expectPunct('[', 'to start a list');
    const items: SynTerm[] = [];
    while (!this.isPunct(']')) {
      if (this.isPunct('[')) this.fail('nested lists are not supported');
      items.push(this.term());
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expectPunct(']', 'to close the list');
    return { kind: 'list', items, loc: this.loc(open) };
  }

  term(): SynTerm {
    const t = this.peek();
    const loc = this.loc(t);
    switch (t.kind) {
      case 'string':
        this.next();
        return { kind: 'string', value: t.value, loc };
      case 'integer':
        this.next();
        return { kind: 'integer', value: t.value, loc };
      case 'constant':
        this.next();
        return { kind: 'now', loc };
      case 'punct':
        if (t.value === '[') return this.list();
        return this.fail(`expected a value or variable, found ${describe(t)}`);
      case 'ident': {
        if (t.value === 'true' || t.value === 'false') {
          this.next();
          return { kind: 'boolean', value: t.value === 'true', loc };
        }
        if (this.isPunct('{', 1) || (this.isPunct('::', 1) && this.peek(2).kind === 'ident')) {
          return this.objectLiteral();
        }
        const v = this.ident('a value or variable');
        return { kind: 'var', name: v.value, loc };
      }
      default:
        return this.fail(`expected a value or variable, found ${describe(t)}`);
    }
  }

  /** `Type{"id"}`, or a primitive written as `Integer{5}` / `Boolean{true}` / `String{"s"}`. */
  private objectLiteral(): SynTerm {
    const type = this.typeName();
    this.expectPunct('{', `after type name ${type.name} in an object literal`);
    const t = this.next();
    let id: string;
    if (t.kind === 'string' || t.kind === 'integer') id = t.value;
    else if (t.kind === 'ident' && (t.value === 'true' || t.value === 'false')) id = t.value;
    else return this.fail(`expected the id of ${type.name} as a string, found ${describe(t)}`, t);
    if (t.kind !== 'string' && type.name !== 'Integer' && type.name !== 'Boolean') {
      this.fail(`the id of ${type.name}{...} must be a string, found ${describe(t)}`, t);
    }
    this.expectPunct('}', `to close ${type.name}{...}`);
    return { kind: 'object', type, id, loc: type.loc };
  }
}

const TOP_WORDS = new Set(['actor', 'resource', 'global', 'declare', 'test']);

/** Skips to just after the next `;` (or a closing `}`) at the current nesting level. */
export function recover(c: Cursor, insideBlock: boolean): void {
  let depth = 0;
  while (c.peek().kind !== 'eof') {
    const t = c.peek();
    if (t.kind === 'punct' && '{(['.includes(t.value)) depth++;
    else if (t.kind === 'punct' && '})]'.includes(t.value)) {
      if (depth === 0) {
        if (insideBlock && t.value === '}') return;
        c.next();
        if (t.value === '}') return;
        continue;
      }
      depth--;
      if (depth === 0 && t.value === '}' && !insideBlock) {
        c.next();
        if (c.isPunct(';')) c.next();
        return;
      }
    } else if (t.kind === 'punct' && t.value === ';' && depth === 0) {
      c.next();
      return;
    } else if (
      !insideBlock &&
      depth === 0 &&
      t.kind === 'ident' &&
      t.column === 1 &&
      TOP_WORDS.has(t.value)
    ) {
      return;
    }
    c.next();
  }
}
