import type { Messages } from '../ru/index.ts';

/** Texts of the evaluator's evaluation, attestation and comparison pages. */
export const evaluator: Messages['evaluator'] = {
  title: 'TODO',
};
