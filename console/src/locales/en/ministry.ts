import type { MinistryMessages } from '../ru/ministry.ts';

export const ministry: MinistryMessages = {
  title: 'ministry',
};
