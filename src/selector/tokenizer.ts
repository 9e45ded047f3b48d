/**
 * Selector tokenizer: turns selector text into a flat token list that always ends in an `EOF`
 * token, as Calico's `libcalico-go/lib/selector/tokenizer` does.
 *
 * The language is context sensitive in one place: operator keywords (`in`, `not in`, `contains`,
 * `starts with`, `ends with`) are only recognised straight after a label, and only when they end
 * at a word boundary. Anywhere else those words are ordinary labels, so `in in {"a"}` is the label
 * `in` tested with the `in` operator.
 */
import { SelectorSyntaxError } from './errors.js';

/** Calico's limit on a label name inside a selector (`tokenizer.MaxLabelLength`). */
export const MAX_LABEL_LENGTH = 512;

export type TokenKind =
  | 'Label'
  | 'StringLiteral'
  | 'LBrace'
  | 'RBrace'
  | 'Comma'
  | 'Eq'
  | 'Ne'
  | 'In'
  | 'Not'
  | 'NotIn'
  | 'Contains'
  | 'StartsWith'
  | 'EndsWith'
  | 'All'
  | 'Has'
  | 'LParen'
  | 'RParen'
  | 'And'
  | 'Or'
  | 'Global'
  | 'EOF';

export interface Token {
  kind: TokenKind;
  /** Label name (`Label`, `Has`) or string contents (`StringLiteral`); empty otherwise. */
  value: string;
  /** Index in the input where the token starts. */
  offset: number;
}

/** True for the characters Calico allows in a label name: `[a-zA-Z0-9_./-]`. */
export function isLabelChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f || // _
    code === 0x2e || // .
    code === 0x2f || // /
    code === 0x2d // -
  );
}

/**
 * True when `name` is usable as a label in a selector (Calico's `tokenizer.ValidLabel`).
 *
 * @example
 * ```ts
 * isValidSelectorLabel('projectcalico.org/namespace'); // true
 * isValidSelectorLabel('app name'); // false
 * ```
 */
export function isValidSelectorLabel(name: string): boolean {
  if (name.length === 0 || name.length > MAX_LABEL_LENGTH) return false;
  for (let i = 0; i < name.length; i++) if (!isLabelChar(name.charCodeAt(i))) return false;
  return true;
}

/** Operator keywords after a label; multi-word ones may have spaces/tabs (or nothing) between words. */
const OPERATOR_WORDS: ReadonlyArray<{ words: readonly string[]; kind: TokenKind }> = [
  { words: ['contains'], kind: 'Contains' },
  { words: ['starts', 'with'], kind: 'StartsWith' },
  { words: ['ends', 'with'], kind: 'EndsWith' },
  { words: ['not', 'in'], kind: 'NotIn' },
  { words: ['in'], kind: 'In' },
];

/** Functions whose name must be followed directly by `(`; spaces are allowed inside the parens. */
const FUNCTIONS: ReadonlyArray<{ prefix: string; kind: TokenKind }> = [
  { prefix: 'has(', kind: 'Has' },
  { prefix: 'all(', kind: 'All' },
  { prefix: 'global(', kind: 'Global' },
];

const SINGLE_CHAR: Readonly<Record<string, TokenKind>> = {
  '(': 'LParen',
  ')': 'RParen',
  '{': 'LBrace',
  '}': 'RBrace',
  ',': 'Comma',
};

/**
 * Split selector text into tokens.
 *
 * @example
 * ```ts
 * tokenize('a == "b"').map((t) => t.kind); // ['Label', 'Eq', 'StringLiteral', 'EOF']
 * ```
 * @throws {SelectorSyntaxError} on characters or constructs the language does not allow.
 */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const n = input.length;
  let i = 0;
  const fail = (offset: number, reason: string): never => {
    throw new SelectorSyntaxError(input, offset, reason);
  };
  // Calico's whitespace is only space and tab; anything else (newline included) is an error.
  const skipSpace = (from: number): number => {
    let j = from;
    while (j < n && (input.charCodeAt(j) === 0x20 || input.charCodeAt(j) === 0x09)) j++;
    return j;
  };
  const atWordBoundary = (j: number): boolean => j >= n || !isLabelChar(input.charCodeAt(j));
  const labelEnd = (from: number): number => {
    let j = from;
    while (j < n && isLabelChar(input.charCodeAt(j))) j++;
    if (j - from > MAX_LABEL_LENGTH) {
      fail(from, `label is longer than ${MAX_LABEL_LENGTH} characters`);
    }
    return j;
  };

  for (;;) {
    i = skipSpace(i);
    if (i >= n) {
      tokens.push({ kind: 'EOF', value: '', offset: n });
      return tokens;
    }
    const start = i;
    const ch = input[i]!;
    const single = SINGLE_CHAR[ch];
    if (single !== undefined) {
      tokens.push({ kind: single, value: '', offset: start });
      i++;
      continue;
    }
    switch (ch) {
      case '"':
      case "'": {
        // No escapes: the string runs to the next quote of the same kind.
        const close = input.indexOf(ch, i + 1);
        if (close < 0) fail(start, `unterminated string (no closing ${ch})`);
        tokens.push({ kind: 'StringLiteral', value: input.slice(i + 1, close), offset: start });
        i = close + 1;
        continue;
      }
      case '=':
        if (input[i + 1] !== '=') fail(start, 'expected "==" but found a single "="');
        tokens.push({ kind: 'Eq', value: '', offset: start });
        i += 2;
        continue;
      case '!':
        if (input[i + 1] === '=') {
          tokens.push({ kind: 'Ne', value: '', offset: start });
          i += 2;
        } else {
          tokens.push({ kind: 'Not', value: '', offset: start });
          i += 1;
        }
        continue;
      case '&':
        if (input[i + 1] !== '&') fail(start, 'expected "&&" but found a single "&"');
        tokens.push({ kind: 'And', value: '', offset: start });
        i += 2;
        continue;
      case '|':
        if (input[i + 1] !== '|') fail(start, 'expected "||" but found a single "|"');
        tokens.push({ kind: 'Or', value: '', offset: start });
        i += 2;
        continue;
    }

    const last = tokens.length > 0 ? tokens[tokens.length - 1]! : undefined;
    if (last?.kind === 'Label') {
      // Straight after a label only an operator keyword may follow.
      let matched = false;
      for (const op of OPERATOR_WORDS) {
        let j = i;
        let ok = true;
        for (let w = 0; w < op.words.length; w++) {
          const word = op.words[w]!;
          if (!input.startsWith(word, j)) {
            ok = false;
            break;
          }
          j += word.length;
          // Spaces may separate words ("starts  with"), but only the last word needs a boundary,
          // so "startswith" and "notin" are accepted as Calico does.
          if (w < op.words.length - 1) j = skipSpace(j);
        }
        if (ok && atWordBoundary(j)) {
          tokens.push({ kind: op.kind, value: '', offset: start });
          i = j;
          matched = true;
          break;
        }
      }
      if (!matched) {
        fail(
          start,
          `expected an operator (==, !=, in, not in, contains, starts with, ends with) after label ${JSON.stringify(last.value)}`,
        );
      }
      continue;
    }

    const fn = FUNCTIONS.find((f) => input.startsWith(f.prefix, i));
    if (fn !== undefined) {
      let j = skipSpace(i + fn.prefix.length);
      let label = '';
      if (fn.kind === 'Has') {
        const end = labelEnd(j);
        if (end === j) fail(j, 'expected a label name inside has(...)');
        label = input.slice(j, end);
        j = skipSpace(end);
      }
      if (input[j] !== ')') fail(j, `no closing ")" after ${fn.prefix}`);
      tokens.push({ kind: fn.kind, value: label, offset: start });
      i = j + 1;
      continue;
    }

    const end = labelEnd(i);
    if (end === i) {
      if (ch === '\n' || ch === '\r') {
        fail(start, 'line breaks are not allowed in a selector (only spaces and tabs separate tokens)');
      }
      fail(start, `unexpected character ${JSON.stringify(String.fromCodePoint(input.codePointAt(i)!))}`);
    }
    tokens.push({ kind: 'Label', value: input.slice(i, end), offset: start });
    i = end;
  }
}
