import type { OverviewMessages } from '../ru/overview.ts';

export const overview: OverviewMessages = {
  title: 'overview',
};
