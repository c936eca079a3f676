/** Texts of the evaluator's recompute, participant timelines and witness status pages. */
export const audit = {
  title: 'TODO',
};
