/**
 * Selector parser: recursive descent over the token list, one function per precedence level
 * (`||` < `&&` < `!` < primary), as Calico's `parser.go`. The empty selector means `all()`.
 *
 * Two deliberate differences from Calico, neither of which changes what a selector matches:
 * - Parentheses may nest at most MAX_NESTING deep, so hostile input cannot overflow the stack
 *   (Go's stacks grow; ours do not).
 * - `!(!x)` parses to `x`, just as `!!x` does in Calico. Calico would print `!!x`, which parses back
 *   as `x`; collapsing here keeps the canonical form stable under re-parsing.
 */
import { labelSetNode, type SelectorNode, type ValueOp } from './ast.js';
import { SelectorSyntaxError } from './errors.js';
import { tokenize, type Token, type TokenKind } from './tokenizer.js';

/** Deepest allowed nesting of parentheses. */
export const MAX_NESTING = 256;

const VALUE_OPS: Partial<Record<TokenKind, ValueOp>> = {
  Eq: 'eq',
  Ne: 'ne',
  Contains: 'contains',
  StartsWith: 'startsWith',
  EndsWith: 'endsWith',
};

const OP_TEXT: Partial<Record<TokenKind, string>> = {
  Eq: '==',
  Ne: '!=',
  Contains: 'contains',
  StartsWith: 'starts with',
  EndsWith: 'ends with',
  In: 'in',
  NotIn: 'not in',
};

/** How a token reads in an error message. */
function describe(tok: Token): string {
  switch (tok.kind) {
    case 'EOF':
      return 'end of selector';
    case 'Label':
      return `label ${JSON.stringify(tok.value)}`;
    case 'StringLiteral':
      return `string ${JSON.stringify(tok.value)}`;
    case 'Has':
      return `has(${tok.value})`;
    case 'All':
      return 'all()';
    case 'Global':
      return 'global()';
    default: {
      const text: Partial<Record<TokenKind, string>> = {
        LBrace: '{',
        RBrace: '}',
        Comma: ',',
        Not: '!',
        LParen: '(',
        RParen: ')',
        And: '&&',
        Or: '||',
      };
      return `"${text[tok.kind] ?? OP_TEXT[tok.kind] ?? tok.kind}"`;
    }
  }
}

class Parser {
  readonly #input: string;
  readonly #tokens: Token[];
  #pos = 0;
  #depth = 0;

  constructor(input: string) {
    this.#input = input;
    this.#tokens = tokenize(input);
  }

  parseRoot(): SelectorNode {
    if (this.#peek().kind === 'EOF') return { kind: 'all' };
    const node = this.#parseOr();
    const rest = this.#peek();
    if (rest.kind !== 'EOF') this.#fail(rest, `unexpected ${describe(rest)} after a complete expression`);
    return node;
  }

  #peek(): Token {
    return this.#tokens[this.#pos]!;
  }

  #next(): Token {
    const tok = this.#tokens[this.#pos]!;
    // The EOF token is never consumed, so the cursor can never run off the end.
    if (tok.kind !== 'EOF') this.#pos++;
    return tok;
  }

  #fail(tok: Token, reason: string): never {
    throw new SelectorSyntaxError(this.#input, tok.offset, reason);
  }

  /** or := and ( "||" and )* */
  #parseOr(): SelectorNode {
    const operands = [this.#parseAnd()];
    while (this.#peek().kind === 'Or') {
      this.#next();
      operands.push(this.#parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  /** and := operation ( "&&" operation )* */
  #parseAnd(): SelectorNode {
    const operands = [this.#parseOperation()];
    while (this.#peek().kind === 'And') {
      this.#next();
      operands.push(this.#parseOperation());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  /** operation := "!"* primary; leading "!"s collapse by parity. */
  #parseOperation(): SelectorNode {
    let negated = false;
    while (this.#peek().kind === 'Not') {
      this.#next();
      negated = !negated;
    }
    const node = this.#parsePrimary();
    if (!negated) return node;
    return node.kind === 'not' ? node.operand : { kind: 'not', operand: node };
  }

  #parsePrimary(): SelectorNode {
    const tok = this.#next();
    switch (tok.kind) {
      case 'Has':
        return { kind: 'has', label: tok.value };
      case 'All':
        return { kind: 'all' };
      case 'Global':
        return { kind: 'global' };
      case 'Label':
        return this.#parseLabelOperation(tok);
      case 'LParen': {
        if (++this.#depth > MAX_NESTING) this.#fail(tok, `parentheses nest more than ${MAX_NESTING} deep`);
        const inner = this.#parseOr();
        const close = this.#next();
        if (close.kind !== 'RParen') {
          this.#fail(close, `expected ")" to close the "(" at offset ${tok.offset}, found ${describe(close)}`);
        }
        this.#depth--;
        return inner;
      }
      default:
        return this.#fail(tok, `expected a label, has(), all(), global(), "!" or "(", found ${describe(tok)}`);
    }
  }

  /** label ( "=="|"!="|"contains"|"starts with"|"ends with" ) str  |  label ( "in"|"not in" ) set */
  #parseLabelOperation(label: Token): SelectorNode {
    const op = this.#next();
    const valueOp = VALUE_OPS[op.kind];
    if (valueOp !== undefined) {
      const value = this.#next();
      if (value.kind !== 'StringLiteral') {
        this.#fail(value, `expected a quoted string after "${OP_TEXT[op.kind]}", found ${describe(value)}`);
      }
      return { kind: valueOp, label: label.value, value: value.value };
    }
    if (op.kind === 'In' || op.kind === 'NotIn') {
      const open = this.#next();
      if (open.kind !== 'LBrace') {
        this.#fail(open, `expected a set literal {...} after "${OP_TEXT[op.kind]}", found ${describe(open)}`);
      }
      const values: string[] = [];
      // str ( "," str )* [","] — a trailing comma and the empty set are both allowed.
      while (this.#peek().kind === 'StringLiteral') {
        values.push(this.#next().value);
        if (this.#peek().kind !== 'Comma') break;
        this.#next();
      }
      const close = this.#next();
      if (close.kind !== 'RBrace') {
        this.#fail(close, `expected a quoted string or "}" in the set literal, found ${describe(close)}`);
      }
      return labelSetNode(op.kind === 'In' ? 'in' : 'notIn', label.value, values);
    }
    return this.#fail(
      op,
      `expected an operator (==, !=, in, not in, contains, starts with, ends with) after label ${JSON.stringify(label.value)}, found ${describe(op)}`,
    );
  }
}

/**
 * Parse selector text to its syntax tree.
 *
 * @example
 * ```ts
 * parseSelectorNode('!has(a)'); // { kind: 'not', operand: { kind: 'has', label: 'a' } }
 * ```
 * @throws {SelectorSyntaxError} when the text is not a valid selector.
 */
export function parseSelectorNode(text: string): SelectorNode {
  return new Parser(text).parseRoot();
}
