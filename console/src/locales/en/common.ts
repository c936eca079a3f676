import type { CommonMessages } from '../ru/common.ts';

export const common: CommonMessages = {
  product: 'SIB Ledger',
  productLong: 'Social impact bond ledger',
  skipToContent: 'Skip to content',
  language: 'Language',
  switchTo: 'Русский',
  switchToLabel: 'Переключить на русский',
  signOut: 'Sign out',
  signedInAs: (subject: string, role: string) => `${subject} · ${role}`,
  loading: 'Loading…',
  retry: 'Try again',
  notFound: 'Page not found',
  back: 'Back',
  nav: {
    contracts: 'Contracts',
    queue: 'Awaiting my decision',
    key: 'Signing key',
    reports: 'Reports',
    verify: 'Verify a report',
    submit: 'Submit evidence',
    payments: 'Payments',
  },
  roles: {
    operator: 'Operator',
    ministry: 'Ministry',
    investor: 'Investor',
    evaluator: 'Independent evaluator',
  },
  paymentStates: {
    calculated: 'Calculated',
    attested: 'Attested by the evaluator',
    approved: 'Approved',
    rejected: 'Rejected',
    paid: 'Paid',
  },
  export: {
    xlsx: 'Download XLSX',
    csv: 'Download CSV',
  },
  session: {
    expiresSoon: (minutes: number) =>
      `Your session ends in ${minutes} min. Finish what you are doing and sign in again so as not to lose work.`,
    expired: 'Your session has ended. Please sign in again.',
    signInAgain: 'Sign in again',
  },
  copy: 'Copy',
  copied: 'Copied',
  dash: '—',
  timeZone: (zone: string, offset: string) => `${zone} (${offset})`,
  errors: {
    network: 'The server does not answer. Check the connection and try again.',
    unauthorized: 'Your session has ended. Please sign in again.',
    forbidden: 'You may not do this.',
    generic: (status: number) => `Server error (${status}).`,
  },
};
