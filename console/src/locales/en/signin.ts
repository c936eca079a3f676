import type { SigninMessages } from '../ru/signin.ts';

export const signin: SigninMessages = {
  title: 'signin',
};
