/**
 * ParseError: a manifest could not be read as YAML/JSON resources. Carries where: the source
 * (file name or `-`), the 1-based document number and, when the YAML parser knows it, line and column.
 */
import { CalicoError } from '../lib/errors.js';

export interface ParseLocation {
  source?: string;
  /** 1-based index of the YAML document in a multi-document stream. */
  document?: number;
  line?: number;
  column?: number;
}

export class ParseError extends CalicoError {
  readonly source: string | undefined;
  readonly document: number | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(detail: string, where: ParseLocation = {}, options?: { cause?: unknown }) {
    super('CALICO_ERR_PARSE', `Cannot parse ${describeLocation(where)}: ${detail}`, options);
    this.name = 'ParseError';
    this.source = where.source;
    this.document = where.document;
    this.line = where.line;
    this.column = where.column;
  }
}

function describeLocation(where: ParseLocation): string {
  const parts: string[] = [where.source === undefined ? 'manifest' : `"${where.source}"`];
  if (where.document !== undefined) parts.push(`document ${where.document}`);
  if (where.line !== undefined) parts.push(`line ${where.line}${where.column === undefined ? '' : `, column ${where.column}`}`);
  return parts.join(' ');
}
