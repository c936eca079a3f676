/** Texts of the ministry pages. */
export const ministry = {
  title: 'ministry',
};
export type MinistryMessages = typeof ministry;
