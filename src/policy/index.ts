export * from './model.js';
export * from './ordering.js';
export * from './labels.js';
export * from './selector-rewrite.js';
export * from './snapshot.js';
export * from './evaluator.js';
export { AddressBook, ruleMismatch, type PacketInfo } from './match.js';
export { addressOf, chooseFamily, familyHint, lookupEnd, type LookedUp, type ResolvedEnd } from './packet-ends.js';
export * from './ip.js';
