import type { SigninMessages } from '../ru/signin.ts';

export const signin: SigninMessages = {
  title: 'Sign in',
  devTitle: 'Development sign-in',
  devNotice:
    'This sign-in is for local development and demonstrations only: it issues a temporary token without a password. A real deployment refuses it.',
  subject: 'User',
  subjectHint: 'Pick from the list or type an identifier',
  role: 'Role',
  contracts: 'Contracts',
  allContracts: 'All contracts, including future ones',
  noContracts: 'Choose at least one contract.',
  noSubject: 'Enter a user.',
  submit: 'Sign in',
  signingIn: 'Signing in…',
  unavailable: 'The development sign-in is not available on this server.',
  cognitoTitle: 'Sign in to the ledger',
  cognitoText: "You sign in on your organisation's sign-in page.",
  cognitoButton: 'Sign in with your account',
  callbackTitle: 'Completing sign-in',
  callbackWorking: "Checking the sign-in page's answer…",
  callbackFailed: 'Sign-in failed.',
  noPending: 'No sign-in was started in this tab, or it has already completed. Please start again.',
  refused: (code: string) => `The sign-in page refused (${code}).`,
  tryAgain: 'Try again',
  sessionEnded: 'Your session has ended. Sign in again to continue.',
};
