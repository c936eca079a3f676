/** Texts of the evaluator's evaluation, attestation and comparison pages. */
export const evaluator = {
  title: 'TODO',
};
