/** Texts of the investor pages. */
export const investor = {
  title: 'investor',
};
export type InvestorMessages = typeof investor;
