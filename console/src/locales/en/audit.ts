import type { Messages } from '../ru/index.ts';

/** Texts of the evaluator's recompute, participant timelines and witness status pages. */
export const audit: Messages['audit'] = {
  title: 'TODO',
};
