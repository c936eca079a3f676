/** Placeholder: the log watch (the investor's pages fill it in). */
import type { Session } from '../auth/session.ts';

export function LogWatch(_props: { session: Session }) {
  return null;
}
