import type { Messages } from '../ru/index.ts';

/** Texts of the operator's batch history and the evidence due. */
export const batches: Messages['batches'] = {
  title: 'TODO',
};
