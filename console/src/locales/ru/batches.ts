/** Texts of the operator's batch history and the evidence due. */
export const batches = {
  title: 'TODO',
};
