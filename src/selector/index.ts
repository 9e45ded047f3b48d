/**
 * Calico's selector language and an incremental label index. Re-exports only.
 */
export { SelectorSyntaxError } from './errors.js';
export {
  ALL_SELECTOR,
  canonicaliseSelector,
  makeUniqueId,
  parseSelector,
  prefixSelectorLabels,
  selectorFromNode,
  tryParseSelector,
  validateSelector,
  type Selector,
} from './selector.js';
export type { LabelRestriction, LabelRestrictions } from './label-restrictions.js';
export type { Labels, SelectorNode } from './ast.js';
export { isValidSelectorLabel, MAX_LABEL_LENGTH } from './tokenizer.js';
export { LabelIndex, type LabelIndexCallbacks } from './label-index.js';
