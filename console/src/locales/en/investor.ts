import type { InvestorMessages } from '../ru/investor.ts';

export const investor: InvestorMessages = {
  title: 'investor',
};
