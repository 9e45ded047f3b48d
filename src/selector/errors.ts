/**
 * The one error the selector module throws for bad selector text. It extends the built-in
 * `SyntaxError` so generic handlers can recognise it, and carries the character index where the
 * problem starts so tools can point at it.
 */

/**
 * A selector could not be parsed.
 *
 * @example
 * ```ts
 * try {
 *   parseSelector('app == ');
 * } catch (err) {
 *   if (err instanceof SelectorSyntaxError) console.log(err.offset, err.reason);
 * }
 * ```
 */
export class SelectorSyntaxError extends SyntaxError {
  /** Index (UTF-16 code unit, as JavaScript strings count) in `selector` where the problem starts. */
  readonly offset: number;
  /** The problem on its own, without the position and the selector text. */
  readonly reason: string;
  /** The selector text that failed to parse. */
  readonly selector: string;

  constructor(selector: string, offset: number, reason: string) {
    super(`invalid selector ${JSON.stringify(selector)}: ${reason} (at offset ${offset})`);
    this.name = 'SelectorSyntaxError';
    this.offset = offset;
    this.reason = reason;
    this.selector = selector;
  }
}
