/** Texts of the overview pages. */
export const overview = {
  title: 'overview',
};
export type OverviewMessages = typeof overview;
